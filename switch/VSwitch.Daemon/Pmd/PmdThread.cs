using System.Diagnostics;
using Microsoft.Extensions.Logging;
using VSwitch.Control.Model;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Ports;
using VSwitch.Datapath.Pipeline;
using VSwitch.Datapath.Ports;
using VSwitch.Native;

namespace VSwitch.Daemon.Pmd;

/// <summary>
/// One datapath ("PMD") thread: polls its share of every port's receive queues through
/// <see cref="PmdContext.PollOnce"/>, one batch per queue per iteration. Queue <c>q</c> of the port numbered <c>n</c>
/// (its OpenFlow port number, fixed for the port's life) belongs to thread <c>(n + q) % threads</c>. The owner of a
/// queue never changes while the port exists, so two threads that read the published snapshot at different moments
/// (one before a port was added or removed, one after) still agree on it, and no receive queue is ever polled by two
/// threads at once: ports other than vhost-user (tap, pcap, dummy) rely on that. A new queue or port is picked up on
/// the next iteration.
/// Idle behaviour: in busy mode it always polls; in adaptive mode, after <see cref="IdleIterationsBeforeSleep"/>
/// empty iterations and <see cref="IdleTimeBeforeSleep"/> without a packet it sleeps in epoll on the wake fds of the
/// queues it owns, with wake-ups armed (<see cref="RxSleeper"/>, <see cref="IRxWakeup"/>); a guest kick or a frame on a
/// tap or pcap port wakes it at once.
/// Thread rules: the poll loop runs on its own thread and owns the <see cref="PmdContext"/>; the control plane
/// only reads counters, sets <see cref="Mode"/> and stops it.
/// Cost: per iteration one snapshot read, one <see cref="IPort.RxQueueCount"/> call per port and one PollOnce per
/// owned queue; nothing is allocated once every queue has been seen. The thread publishes its own allocated bytes
/// (<see cref="Allocations"/>) every <see cref="AllocationSampleInterval"/> iterations and before it sleeps.
/// </summary>
internal sealed class PmdThread
{
    /// <summary>Empty iterations in a row before an adaptive thread starts sleeping (and <see cref="IdleTimeBeforeSleep"/>).</summary>
    public const int IdleIterationsBeforeSleep = 200;

    /// <summary>
    /// Time without a packet before an adaptive thread sleeps. Under load a queue often runs empty for a few
    /// microseconds while the guest refills it; sleeping then turns guest kicks back on (a system call per kick on the
    /// guest side) and costs a wake-up, which slows the guest further. 100 µs rides out such gaps; an idle switch pays
    /// it once per wake-up (at most every 100 ms), about 0.1 % of a CPU.
    /// </summary>
    public static readonly long IdleTimeBeforeSleep = Stopwatch.Frequency / 10_000;

    /// <summary>Iterations between two samples of the thread's allocated bytes (a power of two).</summary>
    public const int AllocationSampleInterval = 1024;

    private readonly SwitchDatapath _datapath;
    private readonly int _threadCount;
    private readonly ILogger _log;
    private readonly Thread _thread;
    private readonly RxSleeper _sleeper = new();
    private RxqUsage[] _usage = [];
    private volatile bool _stop;
    private int _mode;
    private long _busyTicks;
    private long _idleTicks;
    private long _loops;
    private long _sleeps;

    public PmdThread(SwitchDatapath datapath, int index, int threadCount, int? cpu, PmdMode mode, ILogger log)
    {
        _datapath = datapath;
        _threadCount = threadCount;
        _log = log;
        Index = index;
        Cpu = cpu;
        _mode = (int)mode;
        Context = datapath.CreatePmd(index);
        _thread = new Thread(Run) { IsBackground = true, Name = "pmd" + index };
    }

    public int Index { get; }

    public int? Cpu { get; }

    public PmdContext Context { get; }

    /// <summary>Bytes this thread allocated since its loop began, as of its last sample.</summary>
    public ThreadAllocationMeter Allocations { get; } = new();

    public PmdMode Mode
    {
        get => (PmdMode)Volatile.Read(ref _mode);
        set => Volatile.Write(ref _mode, (int)value);
    }

    /// <summary>Milliseconds spent in iterations that received packets.</summary>
    public long BusyMs => Volatile.Read(ref _busyTicks) * 1000 / Stopwatch.Frequency;

    /// <summary>Milliseconds spent in empty iterations and asleep.</summary>
    public long IdleMs => Volatile.Read(ref _idleTicks) * 1000 / Stopwatch.Frequency;

    /// <summary>Times the thread slept (adaptive mode) since start or the last clear.</summary>
    public long Sleeps => Volatile.Read(ref _sleeps);

    /// <summary>The queues this thread has polled, with their usage.</summary>
    public IReadOnlyList<RxqUsage> Usage => Volatile.Read(ref _usage);

    /// <summary>Loop iterations completed (with or without queues to poll); each boundary is a quiescent point.</summary>
    public long Iterations => Volatile.Read(ref _loops);

    public bool IsRunning => _thread.IsAlive;

    public void Start() => _thread.Start();

    public void Stop()
    {
        _stop = true;
        if (_thread.IsAlive)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }
        if (!_thread.IsAlive)
        {
            // The thread's own pool: nothing rents from it any more, and every buffer it cloned was sent or dropped
            // within the thread's last iteration. A thread that did not stop in time keeps its pool mapped.
            Context.Pool.Dispose();
        }
    }

    /// <summary>Zeroes the time counters (pmd-stats-clear; racy by design with the running thread).</summary>
    public void ClearTimes()
    {
        Allocations.Clear();
        Volatile.Write(ref _busyTicks, 0);
        Volatile.Write(ref _idleTicks, 0);
        Volatile.Write(ref _sleeps, 0);
        foreach (RxqUsage u in Usage)
        {
            Volatile.Write(ref u.Packets, 0);
            Volatile.Write(ref u.BusyTicks, 0);
        }
    }

    /// <summary>True when queue <paramref name="queue"/> of <paramref name="port"/> belongs to this thread.</summary>
    public bool Owns(IPort port, int queue) => (port.Id.Value + queue) % _threadCount == Index;

    private void Run()
    {
        if (Cpu is int cpu && !ThreadAffinity.TryPinCurrentThread([cpu], out int errno))
        {
            _log.LogWarning("pmd thread {Thread}: cannot pin to cpu {Cpu} (errno {Errno})", Index, cpu, errno);
        }
        _log.LogInformation("pmd thread {Thread} started (cpu {Cpu})", Index, Cpu?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "any");
        int idle = 0;
        long last = Stopwatch.GetTimestamp();
        long lastWork = last;
        Allocations.Start();
        while (!_stop)
        {
            int received = PollAll();
            long now = Stopwatch.GetTimestamp();
            if (received > 0)
            {
                Volatile.Write(ref _busyTicks, _busyTicks + (now - last));
                idle = 0;
                lastWork = now;
            }
            else
            {
                idle++;
                if (Mode == PmdMode.Adaptive && idle >= IdleIterationsBeforeSleep && now - lastWork >= IdleTimeBeforeSleep)
                {
                    Allocations.Sample();
                    SleepUntilWork();
                    now = Stopwatch.GetTimestamp();
                }
                Volatile.Write(ref _idleTicks, _idleTicks + (now - last));
            }
            last = now;
            Volatile.Write(ref _loops, _loops + 1);
            if ((_loops & (AllocationSampleInterval - 1)) == 0)
            {
                Allocations.Sample();
            }
        }
        _sleeper.Dispose();
        _log.LogInformation("pmd thread {Thread} stopped", Index);
    }

    /// <summary>Adaptive idle: block on the owned queues' wake fds (or back off briefly when a queue has none).</summary>
    private void SleepUntilWork()
    {
        IReadOnlyList<DatapathPort> ports = _datapath.Current.Ports;
        bool allWake = true;
        _sleeper.Begin();
        for (int p = 0; p < ports.Count; p++)
        {
            IPort port = ports[p].Port;
            int queues = port.RxQueueCount;
            for (int q = 0; q < queues; q++)
            {
                if (Owns(port, q) && !_sleeper.Add(port, q))
                {
                    allWake = false;
                }
            }
        }
        // A re-check that found frames is not a sleep; blocking on wake fds or a plain back-off is.
        if (_sleeper.Sleep(allWake ? RxSleeper.LongSleepMs : RxSleeper.ShortSleepMs))
        {
            Volatile.Write(ref _sleeps, _sleeps + 1);
        }
    }

    private int PollAll()
    {
        IReadOnlyList<DatapathPort> ports = _datapath.Current.Ports;
        int total = 0;
        for (int p = 0; p < ports.Count; p++)
        {
            IPort port = ports[p].Port;
            int queues = port.RxQueueCount;
            for (int q = 0; q < queues; q++)
            {
                if (Owns(port, q))
                {
                    long start = Stopwatch.GetTimestamp();
                    int n = Context.PollOnce(port, q);
                    if (n > 0)
                    {
                        RxqUsage u = UsageOf(port, q);
                        Volatile.Write(ref u.Packets, u.Packets + n);
                        Volatile.Write(ref u.BusyTicks, u.BusyTicks + (Stopwatch.GetTimestamp() - start));
                        total += n;
                    }
                }
            }
        }
        return total;
    }

    private RxqUsage UsageOf(IPort port, int queue)
    {
        RxqUsage[] usage = _usage;
        for (int i = 0; i < usage.Length; i++)
        {
            if (ReferenceEquals(usage[i].Port, port) && usage[i].Queue == queue)
            {
                return usage[i];
            }
        }
        return AddUsage(port, queue);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private RxqUsage AddUsage(IPort port, int queue)
    {
        // Rare (a queue seen for the first time); drops entries of ports no longer in the snapshot.
        var live = new List<RxqUsage>(_usage.Length + 1);
        IReadOnlyList<DatapathPort> ports = _datapath.Current.Ports;
        foreach (RxqUsage u in _usage)
        {
            if (ports.Any(p => ReferenceEquals(p.Port, u.Port)))
            {
                live.Add(u);
            }
        }
        var added = new RxqUsage(port, queue);
        live.Add(added);
        Volatile.Write(ref _usage, [.. live]);
        return added;
    }
}
