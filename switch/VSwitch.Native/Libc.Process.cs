using System.Runtime.InteropServices;

namespace VSwitch.Native;

/// <summary>The process and its threads: sessions, CPU affinity, network namespaces, user and group lookup.</summary>
internal static unsafe partial class Libc
{
    public const int CLONE_NEWNET = 0x40000000;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsid();

    /// <summary>sched_setaffinity(2); pid 0 is the calling thread.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int sched_setaffinity(int pid, nuint maskSize, byte* mask);

    /// <summary>setns(2); changes the calling thread only.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int setns(int fd, int nstype);

    /// <summary>getpwnam(3): a pointer to a static struct passwd, or 0 when there is no such user. Not reentrant.</summary>
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint getpwnam(string name);

    /// <summary>getgrnam(3): a pointer to a static struct group, or 0 when there is no such group. Not reentrant.</summary>
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint getgrnam(string name);
}
