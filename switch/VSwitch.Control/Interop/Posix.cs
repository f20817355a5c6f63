using System.Runtime.InteropServices;
using VSwitch.Native;

namespace VSwitch.Control.Interop;

/// <summary>
/// The control plane's uses of libc (through VSwitch.Native): directory fsync, chown, and user/group lookup through
/// NSS, with errors turned into exceptions for the control side. Thread-safe apart from getpwnam/getgrnam, whose static
/// result is copied at once and which only the control thread calls.
/// </summary>
internal static class Posix
{
    /// <summary>fsync(2) on a directory, so that a rename inside it is on disk (the last step of an atomic replace).</summary>
    public static void FsyncDirectory(string directory)
    {
        int fd = Libc.open(directory, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {directory} to sync it (errno {Libc.Errno})");
        }
        try
        {
            if (Libc.fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory {directory} failed (errno {Libc.Errno})");
            }
        }
        finally
        {
            _ = Libc.close(fd);
        }
    }

    /// <summary>chown(2); -1 leaves that id unchanged.</summary>
    public static void Chown(string path, int uid, int gid)
    {
        if (Libc.chown(path, uid, gid) != 0)
        {
            throw new IOException($"cannot change the owner of {path} (errno {Libc.Errno})");
        }
    }

    /// <summary>The uid of user <paramref name="name"/> through NSS (getpwnam(3)), or null when there is no such user.</summary>
    public static int? UserId(string name)
    {
        nint entry = Libc.getpwnam(name);
        // glibc x86-64/arm64 struct passwd: char* pw_name; char* pw_passwd; uid_t pw_uid; gid_t pw_gid; ...
        return entry == 0 ? null : Marshal.ReadInt32(entry, 2 * IntPtr.Size);
    }

    /// <summary>The gid of group <paramref name="name"/> through NSS (getgrnam(3)), or null when there is no such group.</summary>
    public static int? GroupId(string name)
    {
        nint entry = Libc.getgrnam(name);
        // glibc struct group: char* gr_name; char* gr_passwd; gid_t gr_gid; char** gr_mem
        return entry == 0 ? null : Marshal.ReadInt32(entry, 2 * IntPtr.Size);
    }
}
