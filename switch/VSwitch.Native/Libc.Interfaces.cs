using System.Runtime.InteropServices;

namespace VSwitch.Native;

/// <summary>ioctl, and the interface requests (by name, on any socket) of linux/sockios.h and linux/if.h.</summary>
internal static unsafe partial class Libc
{
    public const uint SIOCGIFFLAGS = 0x8913;
    public const uint SIOCSIFFLAGS = 0x8914;
    public const uint SIOCGIFMTU = 0x8921;
    public const uint SIOCSIFMTU = 0x8922;
    public const uint SIOCGIFINDEX = 0x8933;

    public const short IFF_UP = 0x1;
    public const short IFF_RUNNING = 0x40;

    /// <summary>IFNAMSIZ: interface names are at most 15 bytes plus the terminating NUL.</summary>
    public const int IfNameSize = 16;

    /// <summary>struct ifreq on 64-bit Linux: a 16-byte name, then a 24-byte union (flags, ifindex, mtu at offset 16).</summary>
    [StructLayout(LayoutKind.Sequential, Size = 40)]
    public struct IfReq
    {
        public fixed byte Name[IfNameSize];
        public int Value;
    }

    /// <summary>ioctl(2) with a pointer argument.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int ioctl(int fd, nuint request, void* arg);

    /// <summary>ioctl(2) with an integer argument.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int ioctl(int fd, nuint request, nuint arg);
}
