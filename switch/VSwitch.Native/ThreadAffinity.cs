namespace VSwitch.Native;

/// <summary>CPU affinity of the calling thread (datapath threads pinned to the CPUs given with --pmd-cpus).</summary>
public static unsafe class ThreadAffinity
{
    /// <summary>CPUs a mask can name: glibc's cpu_set_t holds 1024.</summary>
    public const int MaxCpus = 1024;

    /// <summary>
    /// Pins the calling thread to <paramref name="cpus"/> (sched_setaffinity(2) with pid 0, which names the calling
    /// thread); numbers outside [0, <see cref="MaxCpus"/>) are ignored. False with <paramref name="errno"/> when the
    /// kernel refuses (EINVAL: none of them is online and allowed). Any thread, for itself; no allocation.
    /// </summary>
    public static bool TryPinCurrentThread(IReadOnlyList<int> cpus, out int errno)
    {
        ArgumentNullException.ThrowIfNull(cpus);
        byte* mask = stackalloc byte[MaxCpus / 8];
        new Span<byte>(mask, MaxCpus / 8).Clear();
        for (int i = 0; i < cpus.Count; i++)
        {
            int cpu = cpus[i];
            if ((uint)cpu < MaxCpus)
            {
                mask[cpu / 8] |= (byte)(1 << (cpu % 8));
            }
        }
        // SAFETY: mask is MaxCpus / 8 bytes on this stack frame, the size passed; the kernel only reads it.
        bool ok = Libc.sched_setaffinity(0, MaxCpus / 8, mask) == 0;
        errno = ok ? 0 : Libc.Errno;
        return ok;
    }
}
