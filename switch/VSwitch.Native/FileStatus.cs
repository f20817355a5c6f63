using System.Runtime.InteropServices;

namespace VSwitch.Native;

/// <summary>
/// What stat says about a path or an open descriptor, for the control side: owner, group and mode (to explain a refused
/// connection), device and inode (to recognise the journal's stream), and a group's name. statx(2) is used because its
/// layout is the same on every architecture, unlike struct stat. Stateless; <see cref="GroupName"/> reads getgrgid(3)'s
/// static buffer and copies the name at once, so callers keep to one thread for it. Allocates only the name.
/// </summary>
public static unsafe class FileStatus
{
    /// <summary>Owner, group and permission bits of <paramref name="path"/> (symbolic links followed); false when it cannot be examined.</summary>
    public static bool TryGetOwnership(string path, out uint uid, out uint gid, out UnixFileMode mode)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte* buffer = stackalloc byte[Libc.StatxSize];
        // SAFETY: buffer is StatxSize bytes on this stack frame, the size of struct statx; the reads stay inside it.
        if (Libc.statx(Libc.AT_FDCWD, path, 0, Libc.STATX_BASIC_STATS, buffer) != 0)
        {
            uid = gid = 0;
            mode = 0;
            return false;
        }
        uid = *(uint*)(buffer + Libc.StatxUidOffset);
        gid = *(uint*)(buffer + Libc.StatxGidOffset);
        mode = (UnixFileMode)(*(ushort*)(buffer + Libc.StatxModeOffset) & 0x1ff);
        return true;
    }

    /// <summary>
    /// The device number (encoded as glibc's makedev does, the form of <c>st_dev</c> and of <c>$JOURNAL_STREAM</c>) and
    /// inode number of open descriptor <paramref name="fd"/>; false when it is not open.
    /// </summary>
    public static bool TryGetDeviceAndInode(int fd, out ulong device, out ulong inode)
    {
        byte* buffer = stackalloc byte[Libc.StatxSize];
        // SAFETY: as above; the empty path with AT_EMPTY_PATH names fd itself.
        if (Libc.statx(fd, "", Libc.AT_EMPTY_PATH, Libc.STATX_BASIC_STATS, buffer) != 0)
        {
            device = inode = 0;
            return false;
        }
        inode = *(ulong*)(buffer + Libc.StatxInodeOffset);
        ulong major = *(uint*)(buffer + Libc.StatxDevMajorOffset);
        ulong minor = *(uint*)(buffer + Libc.StatxDevMinorOffset);
        // glibc's gnu_dev_makedev (sys/sysmacros.h).
        device = ((major & 0x00000fffUL) << 8) | ((major & 0xfffff000UL) << 32) | (minor & 0x000000ffUL) | ((minor & 0xffffff00UL) << 12);
        return true;
    }

    /// <summary>The name of group <paramref name="gid"/> through NSS (getgrgid(3)), or null when there is none.</summary>
    public static string? GroupName(uint gid)
    {
        nint entry = Libc.getgrgid(gid);
        // struct group starts with char* gr_name.
        return entry == 0 ? null : Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(entry));
    }
}
