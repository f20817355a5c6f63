using VSwitch.Native;

namespace VSwitch.VhostUser.Memory;

/// <summary>
/// What backs a front-end mapping, for port status: the kind of file and whether it is sealed against shrinking
/// (F_SEAL_SHRINK, which QEMU's memory-backend-memfd sets by default). A sealed file cannot lose pages under the
/// switch; any other can, and is covered by <see cref="GuestFaultGuard"/> alone. The switch reads seals, never adds
/// them: the file is the front-end's.
/// </summary>
/// <param name="Kind">"memfd", "memfd on hugetlbfs", "hugetlbfs file", "tmpfs file" or "file".</param>
/// <param name="ShrinkSealed">The file carries F_SEAL_SHRINK.</param>
internal readonly record struct MappingBacking(string Kind, bool ShrinkSealed)
{
    /// <summary>Looks at <paramref name="fd"/> (fstatfs, /proc/self/fd, F_GET_SEALS). Session thread.</summary>
    public static unsafe MappingBacking Of(int fd)
    {
        byte* statfs = stackalloc byte[Libc.StatfsSize];
        // SAFETY: fstatfs fills at most StatfsSize bytes; f_type is the first 8 of them.
        long type = Libc.fstatfs(fd, statfs) == 0 ? *(long*)statfs : 0;
        bool hugetlbfs = type == Libc.HUGETLBFS_MAGIC;
        bool memfd = FileDescriptor.Target(fd)?.StartsWith("/memfd:", StringComparison.Ordinal) == true;
        int seals = Libc.fcntl(fd, Libc.F_GET_SEALS, 0);
        string kind = (memfd, hugetlbfs) switch
        {
            (true, true) => "memfd on hugetlbfs",
            (true, false) => "memfd",
            (false, true) => "hugetlbfs file",
            _ => type == Libc.TMPFS_MAGIC ? "tmpfs file" : "file",
        };
        return new MappingBacking(kind, seals >= 0 && (seals & Libc.F_SEAL_SHRINK) != 0);
    }

    /// <summary>"memfd, sealed against shrinking" or "hugetlbfs file, not sealed".</summary>
    public override string ToString() => Kind + (ShrinkSealed ? ", sealed against shrinking" : ", not sealed");
}
