namespace VSwitch.SystemBench;

/// <summary>
/// A switch being measured. Started before the generator; owns every process, socket and directory it creates and
/// removes them in <see cref="IDisposable.Dispose"/>.
/// </summary>
internal interface IDeviceUnderTest : IDisposable
{
    /// <summary>Socket of the generator's port 0 / 1.</summary>
    string Socket0 { get; }

    /// <summary>Socket of the generator's port 1.</summary>
    string Socket1 { get; }

    /// <summary>True when the switch connects to the generator (the generator's virtio-user ports listen: <c>server=1</c>).</summary>
    bool GeneratorListens { get; }

    /// <summary>The switch's processes (their CPU time is the device's own, not foreign load on the window).</summary>
    IEnumerable<int> Pids { get; }

    /// <summary>Waits until the switch has both ports running, after the generator started.</summary>
    void WaitReady(TimeSpan timeout);

    /// <summary>Zeroes the switch's own counters as the window opens (no-op where it has none we read).</summary>
    void OpenWindow();

    /// <summary>
    /// The switch's datapath allocation, GC and sleep counters since <see cref="OpenWindow"/>, when it has them
    /// (<c>Sleeps</c>: times the datapath thread blocked waiting for a kick).
    /// </summary>
    (long Bytes, int Gen0, int Gen1, int Gen2, long Sleeps)? AllocationSinceOpen();

    /// <summary>Packets that hit the rule table (priority 100) so far, when the switch reports per-rule counters cheaply.</summary>
    long? RuleHits();
}
