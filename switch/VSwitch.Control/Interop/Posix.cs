using System.Runtime.InteropServices;

namespace VSwitch.Control.Interop;

/// <summary>
/// Every libc call of the control plane: directory fsync, chown, and user/group lookup through NSS.
/// These are plain DllImports of blittable arguments and strings; no unsafe code. Thread-safe apart from
/// getpwnam/getgrnam, whose static result is copied at once and which only the control thread calls.
/// </summary>
internal static class Posix
{
    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000; // Linux x86-64/arm64 O_DIRECTORY
    private const int OCloexec = 0x80000;

    /// <summary>fsync(2) on a directory, so that a rename inside it is on disk (the last step of an atomic replace).</summary>
    public static void FsyncDirectory(string directory)
    {
        int fd = open(directory, ORdOnly | ODirectory | OCloexec);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {directory} to sync it (errno {Marshal.GetLastPInvokeError()})");
        }
        try
        {
            if (fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory {directory} failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = close(fd);
        }
    }

    /// <summary>chown(2); -1 leaves that id unchanged.</summary>
    public static void Chown(string path, int uid, int gid)
    {
        if (chown(path, uid, gid) != 0)
        {
            throw new IOException($"cannot change the owner of {path} (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    /// <summary>The uid of user <paramref name="name"/> through NSS (getpwnam(3)), or null when there is no such user.</summary>
    public static int? UserId(string name)
    {
        IntPtr entry = getpwnam(name);
        // glibc x86-64/arm64 struct passwd: char* pw_name; char* pw_passwd; uid_t pw_uid; gid_t pw_gid; ...
        return entry == IntPtr.Zero ? null : Marshal.ReadInt32(entry, 2 * IntPtr.Size);
    }

    /// <summary>The gid of group <paramref name="name"/> through NSS (getgrnam(3)), or null when there is no such group.</summary>
    public static int? GroupId(string name)
    {
        IntPtr entry = getgrnam(name);
        // glibc struct group: char* gr_name; char* gr_passwd; gid_t gr_gid; char** gr_mem
        return entry == IntPtr.Zero ? null : Marshal.ReadInt32(entry, 2 * IntPtr.Size);
    }

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int open(string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int chown(string path, int owner, int group);

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern IntPtr getpwnam(string name);

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern IntPtr getgrnam(string name);
}
