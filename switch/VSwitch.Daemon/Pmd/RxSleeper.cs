using VSwitch.Core.Ports;
using VSwitch.Daemon.Interop;

namespace VSwitch.Daemon.Pmd;

/// <summary>
/// How an idle adaptive datapath thread sleeps (docs/ARCHITECTURE.md, "Idle"): it arms wake-ups on every queue it owns
/// (guest kicks back on, then a re-check of the ring), and if nothing is waiting it blocks in epoll on the queues'
/// kick eventfds; it disarms them again when it wakes. Queues of ports without a wake fd cannot wake it, so then it
/// sleeps only <see cref="ShortSleepMs"/>. Owned by one datapath thread; preallocated, so sleeping allocates nothing
/// once the thread has seen its largest set of queues.
/// </summary>
internal sealed class RxSleeper : IDisposable
{
    /// <summary>Longest sleep when every owned queue can wake the thread (bounds the delay of a configuration change).</summary>
    public const int LongSleepMs = 100;

    /// <summary>Sleep when some owned queue has no wake fd (the old 1 ms back-off).</summary>
    public const int ShortSleepMs = 1;

    private readonly int _epoll;
    private readonly byte[] _scratch = GC.AllocateArray<byte>(8, pinned: true);
    private Libc.EpollEvent[] _events = new Libc.EpollEvent[16];
    private IRxWakeup[] _ports = new IRxWakeup[16];
    private int[] _queues = new int[16];
    private int[] _fds = new int[16];
    private int _count;

    public RxSleeper()
    {
        _epoll = Libc.epoll_create1(Libc.EpollCloexec);
    }

    /// <summary>Number of sleeps that blocked on kick fds.</summary>
    public long Sleeps { get; private set; }

    /// <summary>Number of sleeps skipped because a queue had frames when it was armed.</summary>
    public long Rechecks { get; private set; }

    /// <summary>Starts collecting the owned queues for one sleep.</summary>
    public void Begin() => _count = 0;

    /// <summary>Adds one owned queue. Returns false when the queue cannot wake the thread (no fd).</summary>
    public bool Add(IPort port, int queue)
    {
        if (port is not IRxWakeup wake || !wake.TryGetRxWakeFd(queue, out int fd))
        {
            return false;
        }
        if (_count == _fds.Length)
        {
            Array.Resize(ref _fds, _count * 2);
            Array.Resize(ref _ports, _count * 2);
            Array.Resize(ref _queues, _count * 2);
            Array.Resize(ref _events, _count * 2);
        }
        _ports[_count] = wake;
        _queues[_count] = queue;
        _fds[_count] = fd;
        _count++;
        return true;
    }

    /// <summary>
    /// Arms every collected queue and sleeps until a kick or <paramref name="timeoutMs"/>; disarms them afterwards.
    /// Returns at once (without sleeping) if a queue already has frames.
    /// </summary>
    public void Sleep(int timeoutMs)
    {
        if (_epoll < 0 || _count == 0)
        {
            Thread.Sleep(timeoutMs);
            return;
        }
        bool pending = false;
        int armed = 0;
        for (; armed < _count && !pending; armed++)
        {
            // VIRTIO 1.2 §2.7.10: enable notifications, then re-check the ring, or a kick sent just before could be lost.
            pending = _ports[armed].SetRxWakeup(_queues[armed], armed: true);
        }
        if (pending)
        {
            Rechecks++;
        }
        else
        {
            for (int i = 0; i < _count; i++)
            {
                var ev = new Libc.EpollEvent { Events = Libc.EpollIn, Data = (ulong)i };
                _ = Libc.epoll_ctl(_epoll, Libc.EpollCtlAdd, _fds[i], ref ev);
            }
            int n = Libc.epoll_wait(_epoll, _events, _events.Length, timeoutMs);
            for (int i = 0; i < n; i++)
            {
                ulong index = _events[i].Data;
                if (index < (ulong)_count)
                {
                    Libc.DrainEventFd(_fds[index], _scratch);
                }
            }
            for (int i = 0; i < _count; i++)
            {
                var ev = default(Libc.EpollEvent);
                _ = Libc.epoll_ctl(_epoll, Libc.EpollCtlDel, _fds[i], ref ev);
            }
            Sleeps++;
        }
        for (int i = 0; i < armed; i++)
        {
            _ = _ports[i].SetRxWakeup(_queues[i], armed: false);
        }
        Array.Clear(_ports, 0, _count);
    }

    public void Dispose()
    {
        if (_epoll >= 0)
        {
            _ = Libc.close(_epoll);
        }
    }
}
