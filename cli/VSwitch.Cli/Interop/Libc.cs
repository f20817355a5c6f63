using System.Runtime.InteropServices;

namespace VSwitch.Cli.Interop;

/// <summary>
/// vswitchctl's libc calls, to explain a refused connection: statx(2) for a path's owner, group and mode, and
/// getgrgid(3) for a group's name through NSS. Plain DllImports of blittable arguments and strings; no unsafe code.
/// getgrgid returns a static buffer, so callers copy the name at once (vswitchctl calls it from one thread).
/// </summary>
internal static class Libc
{
    /// <summary>Owner, group and permission bits of <paramref name="path"/> (symbolic links followed); false when it cannot be examined.</summary>
    public static bool TryGetOwnership(string path, out uint uid, out uint gid, out UnixFileMode mode)
    {
        const int AtFdCwd = -100;
        const uint StatxBasicStats = 0x7ff;
        byte[] buffer = new byte[256]; // sizeof(struct statx)
        if (statx(AtFdCwd, path, 0, StatxBasicStats, buffer) != 0)
        {
            uid = gid = 0;
            mode = 0;
            return false;
        }
        // struct statx (linux/stat.h), the same on every architecture: stx_uid at 20, stx_gid at 24, stx_mode at 28.
        uid = BitConverter.ToUInt32(buffer, 20);
        gid = BitConverter.ToUInt32(buffer, 24);
        mode = (UnixFileMode)(BitConverter.ToUInt16(buffer, 28) & 0x1ff);
        return true;
    }

    /// <summary>The name of group <paramref name="gid"/>, or null when NSS knows none.</summary>
    public static string? GroupName(uint gid)
    {
        IntPtr entry = getgrgid(gid);
        // struct group: char* gr_name first.
        return entry == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(entry));
    }

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int statx(int dirfd, string path, int flags, uint mask, [Out] byte[] buffer);

    [DllImport("libc", SetLastError = true)]
    private static extern IntPtr getgrgid(uint gid);
}
