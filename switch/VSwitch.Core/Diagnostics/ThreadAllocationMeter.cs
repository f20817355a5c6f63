namespace VSwitch.Core.Diagnostics;

/// <summary>
/// Bytes allocated on the managed heap by one thread, so "nothing is allocated on the datapath thread" can be checked
/// on a running switch. <c>GC.GetAllocatedBytesForCurrentThread</c> only sees the calling thread, so the owning thread
/// calls <see cref="Start"/> once and <see cref="Sample"/> now and then (cheap: one runtime call and one store, no
/// allocation); any thread reads <see cref="SinceStart"/> and <see cref="SinceClear"/> and may <see cref="Clear"/>.
/// The figures are as fresh as the last sample: an allocation shows up at the owner's next sample.
/// </summary>
public sealed class ThreadAllocationMeter
{
    private long _startBytes;
    private long _sinceStart;
    private long _clearBase;

    /// <summary>Takes the owning thread's current count as zero. Owning thread only.</summary>
    public void Start()
    {
        _startBytes = GC.GetAllocatedBytesForCurrentThread();
        Volatile.Write(ref _clearBase, 0);
        Volatile.Write(ref _sinceStart, 0);
    }

    /// <summary>Publishes the bytes allocated since <see cref="Start"/>. Owning thread only.</summary>
    public void Sample() => Volatile.Write(ref _sinceStart, GC.GetAllocatedBytesForCurrentThread() - _startBytes);

    /// <summary>Bytes the owner allocated between <see cref="Start"/> and its last <see cref="Sample"/>.</summary>
    public long SinceStart => Volatile.Read(ref _sinceStart);

    /// <summary>Bytes the owner allocated between the last <see cref="Clear"/> and its last <see cref="Sample"/>.</summary>
    public long SinceClear => Math.Max(0, SinceStart - Volatile.Read(ref _clearBase));

    /// <summary>Zeroes <see cref="SinceClear"/> as of the owner's last sample. Any thread.</summary>
    public void Clear() => Volatile.Write(ref _clearBase, SinceStart);
}
