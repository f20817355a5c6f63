using VSwitch.Core.Ports;
using VSwitch.Native;

namespace VSwitch.Daemon.Pmd;

/// <summary>
/// How an idle adaptive datapath thread sleeps (docs/ARCHITECTURE.md, "Idle"), by the contract of
/// <see cref="IRxWakeup"/>: it arms wake-ups on every queue it owns (each port asks its peer to signal, then re-checks
/// the queue), and if nothing is waiting it blocks in epoll until one of the queues' wake fds polls readable or the
/// timeout passes; then it disarms them all, and each port clears its own wake source. It only waits: it never reads a
/// wake fd, whatever kind of fd it is. Queues of ports without a wake fd cannot wake it, so then it sleeps only
/// <see cref="ShortSleepMs"/>. Owned by one datapath thread; preallocated, so sleeping allocates nothing once the
/// thread has seen its largest set of queues.
/// </summary>
internal sealed class RxSleeper : IDisposable
{
    /// <summary>Longest sleep when every owned queue can wake the thread (bounds the delay of a configuration change).</summary>
    public const int LongSleepMs = 100;

    /// <summary>Sleep when some owned queue has no wake fd (the old 1 ms back-off).</summary>
    public const int ShortSleepMs = 1;

    private int _epoll;
    private IRxWakeup[] _ports = new IRxWakeup[16];
    private int[] _queues = new int[16];
    private int[] _fds = new int[16];
    private bool[] _added = new bool[16];
    private int _count;

    public RxSleeper()
    {
        _epoll = Epoll.Create();
    }

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
            Array.Resize(ref _added, _count * 2);
            Array.Resize(ref _ports, _count * 2);
            Array.Resize(ref _queues, _count * 2);
        }
        _ports[_count] = wake;
        _queues[_count] = queue;
        _fds[_count] = fd;
        _count++;
        return true;
    }

    /// <summary>
    /// Arms every collected queue and sleeps until one of their wake fds polls readable or <paramref name="timeoutMs"/>
    /// passes; disarms them afterwards. Returns true when it slept (also the plain back-off when no queue was
    /// collected), false when arming found a queue with work already waiting and it returned at once.
    /// </summary>
    public bool Sleep(int timeoutMs)
    {
        if (_epoll < 0 || _count == 0)
        {
            Thread.Sleep(timeoutMs);
            return true;
        }
        bool pending = false;
        int armed = 0;
        for (; armed < _count && !pending; armed++)
        {
            // VIRTIO 1.2 §2.7.10: enable notifications, then re-check the ring, or a kick sent just before could be lost.
            pending = _ports[armed].SetRxWakeup(_queues[armed], armed: true);
        }
        if (!pending)
        {
            for (int i = 0; i < _count; i++)
            {
                _added[i] = Epoll.TryAddReadable(_epoll, _fds[i]);
            }
            _ = Epoll.Wait(_epoll, timeoutMs);
            bool stale = false;
            for (int i = 0; i < _count; i++)
            {
                stale |= _added[i] && !Epoll.Remove(_epoll, _fds[i]);
            }
            if (stale)
            {
                // A front-end replaced a kick fd while this thread slept (SET_VRING_KICK): the session closed our number
                // for it, but the front-end's copy keeps the old file registered here. Only a new set forgets it.
                RebuildEpoll();
            }
        }
        // Every armed queue is disarmed, slept or not; each port clears its own wake source here.
        for (int i = 0; i < armed; i++)
        {
            _ = _ports[i].SetRxWakeup(_queues[i], armed: false);
        }
        Array.Clear(_ports, 0, _count);
        return !pending;
    }

    private void RebuildEpoll()
    {
        FileDescriptor.CloseIfValid(_epoll);
        _epoll = Epoll.Create();
    }

    public void Dispose()
    {
        FileDescriptor.CloseIfValid(_epoll);
    }
}
