using System.Diagnostics;
using Microsoft.Extensions.Logging;
using VSwitch.Control.Model;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Ports;
using VSwitch.Core.Time;
using VSwitch.Datapath.Pipeline;
using VSwitch.Datapath.Ports;
using VSwitch.Native;

namespace VSwitch.Daemon.Pmd;

/// <summary>
/// One datapath ("PMD") thread: polls its share of every port's receive queues through
/// <see cref="PmdContext.PollOnce(IPort, int, long)"/>, one batch per queue per iteration. Queue <c>q</c> of the port numbered <c>n</c>
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
/// Cost: per iteration one snapshot read, one <see cref="IPort.RxQueueCount"/> call per port (a changed count or a new
/// snapshot rebuilds the list of owned queues; no ownership arithmetic per poll), one millisecond-clock read, one
/// PollOnce per owned queue and one timestamp; nothing is allocated between two rebuilds. The thread publishes its own allocated bytes
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
    private readonly IClock _clock;
    private RxqUsage[] _usage = [];
    private OwnedQueue[] _owned = [];
    private IPort[] _ownedPorts = [];
    private int[] _ownedCounts = [];
    private DatapathConfig? _ownedFor;
    private volatile bool _stop;
    private int _mode;
    private long _busyTicks;
    private long _idleTicks;
    private long _loops;
    private long _sleeps;
    private int _idle;
    private long _last;
    private long _lastWork;

    public PmdThread(SwitchDatapath datapath, int index, int threadCount, int? cpu, PmdMode mode, ILogger log)
    {
        _datapath = datapath;
        _clock = datapath.Clock;
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

    /// <summary>The queues this thread polls, with their usage.</summary>
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
        _last = Stopwatch.GetTimestamp();
        _lastWork = _last;
        Allocations.Start();
        while (!_stop)
        {
            Iterate();
        }
        _sleeper.Dispose();
        _log.LogInformation("pmd thread {Thread} stopped", Index);
    }

    /// <summary>
    /// One loop iteration: every owned queue polled once, busy or idle time counted, and in adaptive mode a sleep when
    /// the thread has been idle long enough. Returns the packets received. The poll loop calls it; a benchmark may
    /// call it in place of the loop on a thread that was never started.
    /// </summary>
    internal int Iterate()
    {
        int received = PollAll();
        long now = Stopwatch.GetTimestamp();
        if (received > 0)
        {
            Volatile.Write(ref _busyTicks, _busyTicks + (now - _last));
            ChargeBusyTime(now - _last, received);
            _idle = 0;
            _lastWork = now;
        }
        else
        {
            _idle++;
            if (Mode == PmdMode.Adaptive && _idle >= IdleIterationsBeforeSleep && now - _lastWork >= IdleTimeBeforeSleep)
            {
                Allocations.Sample();
                SleepUntilWork();
                now = Stopwatch.GetTimestamp();
            }
            Volatile.Write(ref _idleTicks, _idleTicks + (now - _last));
        }
        _last = now;
        Volatile.Write(ref _loops, _loops + 1);
        if ((_loops & (AllocationSampleInterval - 1)) == 0)
        {
            Allocations.Sample();
        }
        return received;
    }

    /// <summary>Adaptive idle: block on the owned queues' wake fds (or back off briefly when a queue has none).</summary>
    private void SleepUntilWork()
    {
        OwnedQueue[] owned = _owned;
        bool allWake = true;
        _sleeper.Begin();
        for (int i = 0; i < owned.Length; i++)
        {
            if (!_sleeper.Add(owned[i].Port, owned[i].Queue))
            {
                allWake = false;
            }
        }
        // A re-check that found frames is not a sleep; blocking on wake fds or a plain back-off is.
        if (_sleeper.Sleep(allWake ? RxSleeper.LongSleepMs : RxSleeper.ShortSleepMs))
        {
            Volatile.Write(ref _sleeps, _sleeps + 1);
        }
    }

    /// <summary>
    /// Polls every owned queue once, with one millisecond-clock read for all of them, and notes each queue's packets
    /// in <see cref="OwnedQueue.LoopPackets"/> for <see cref="ChargeBusyTime"/>. Returns the packets received.
    /// </summary>
    private int PollAll()
    {
        DatapathConfig config = _datapath.Current;
        if (!ReferenceEquals(config, _ownedFor) || QueueCountsChanged())
        {
            RebuildOwned(config);
        }
        OwnedQueue[] owned = _owned;
        long nowMs = _clock.NowMilliseconds;
        int total = 0;
        for (int i = 0; i < owned.Length; i++)
        {
            ref OwnedQueue o = ref owned[i];
            int n = Context.PollOnce(o.Port, o.Queue, nowMs);
            o.LoopPackets = n;
            total += n;
        }
        return total;
    }

    /// <summary>
    /// Shares a busy iteration's time out among the queues that received in it, in proportion to their packets
    /// (one timestamp per iteration instead of two per queue); a queue's share of the thread's busy time, which
    /// pmd-rxq-show reports, keeps its meaning.
    /// </summary>
    private void ChargeBusyTime(long ticks, int received)
    {
        OwnedQueue[] owned = _owned;
        for (int i = 0; i < owned.Length; i++)
        {
            int n = owned[i].LoopPackets;
            if (n > 0)
            {
                RxqUsage u = owned[i].Usage;
                Volatile.Write(ref u.Packets, u.Packets + n);
                Volatile.Write(ref u.BusyTicks, u.BusyTicks + (n == received ? ticks : ticks * n / received));
            }
        }
    }

    /// <summary>True when a port of the current list now has a different number of receive queues (a front-end renegotiated).</summary>
    private bool QueueCountsChanged()
    {
        IPort[] ports = _ownedPorts;
        int[] counts = _ownedCounts;
        for (int p = 0; p < ports.Length; p++)
        {
            if (ports[p].RxQueueCount != counts[p])
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Rare (a new snapshot or a changed queue count): lists the queues this thread owns, keeping the usage of queues
    /// it owned before and dropping those of ports no longer in the snapshot. Allocates on the datapath thread.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void RebuildOwned(DatapathConfig config)
    {
        IReadOnlyList<DatapathPort> ports = config.Ports;
        OwnedQueue[] before = _owned;
        IPort[] portList = ports.Count == 0 ? [] : new IPort[ports.Count];
        int[] counts = ports.Count == 0 ? [] : new int[ports.Count];
        int ownedCount = 0;
        for (int p = 0; p < ports.Count; p++)
        {
            IPort port = ports[p].Port;
            portList[p] = port;
            counts[p] = port.RxQueueCount;
            for (int q = 0; q < counts[p]; q++)
            {
                if (Owns(port, q))
                {
                    ownedCount++;
                }
            }
        }
        OwnedQueue[] owned = ownedCount == 0 ? [] : new OwnedQueue[ownedCount];
        RxqUsage[] usage = ownedCount == 0 ? [] : new RxqUsage[ownedCount];
        int k = 0;
        for (int p = 0; p < portList.Length; p++)
        {
            IPort port = portList[p];
            for (int q = 0; q < counts[p]; q++)
            {
                if (Owns(port, q))
                {
                    RxqUsage? kept = null;
                    foreach (OwnedQueue b in before)
                    {
                        if (ReferenceEquals(b.Port, port) && b.Queue == q)
                        {
                            kept = b.Usage;
                        }
                    }
                    usage[k] = kept ?? new RxqUsage(port, q);
                    owned[k] = new OwnedQueue { Port = port, Queue = q, Usage = usage[k] };
                    k++;
                }
            }
        }
        _owned = owned;
        _ownedPorts = portList;
        _ownedCounts = counts;
        _ownedFor = config;
        Volatile.Write(ref _usage, usage);
    }

    /// <summary>One receive queue this thread polls, with its usage counters and the packets of the current iteration.</summary>
    private struct OwnedQueue
    {
        public IPort Port;
        public int Queue;
        public RxqUsage Usage;
        public int LoopPackets;
    }
}
