using System.Runtime.InteropServices;
using VSwitch.Native;

namespace VSwitch.Ports.Pcap.Interop;

/// <summary>
/// The libpcap calls SharpPcap 6 does not expose, or exposes only with an allocation per call: capture direction,
/// reading and sending by pointer; and the port's helpers over libc (VSwitch.Native): a wake fd, a readiness check,
/// bringing an interface up. All P/Invoke of this assembly is here. Stateless; thread-safe as far as libpcap allows (one thread per <c>pcap_t</c> and direction).
/// </summary>
internal static unsafe partial class LibPcap
{
    /// <summary>pcap_direction_t PCAP_D_IN: only frames that arrive on the interface, not those sent from it.</summary>
    public const int DirectionIn = 1;

    /// <summary>Offset of <c>caplen</c> in <c>struct pcap_pkthdr</c> on 64-bit Linux (after a 16-byte struct timeval).</summary>
    public const int HeaderCapLenOffset = 16;

    private const string Lib = "libpcap.so.0.8";

    [LibraryImport(Lib, EntryPoint = "pcap_setdirection")]
    public static partial int SetDirection(IntPtr pcap, int direction);

    /// <summary>1: a packet; 0: none now (non-blocking or timeout); -1: error; -2: end of a capture file.</summary>
    [LibraryImport(Lib, EntryPoint = "pcap_next_ex")]
    public static partial int NextEx(IntPtr pcap, out IntPtr header, out IntPtr data);

    [LibraryImport(Lib, EntryPoint = "pcap_sendpacket")]
    public static partial int SendPacket(IntPtr pcap, byte* data, int length);

    /// <summary>The fd that polls readable when the capture has frames (the packet socket on Linux), or -1.</summary>
    [LibraryImport(Lib, EntryPoint = "pcap_get_selectable_fd")]
    public static partial int GetSelectableFd(IntPtr pcap);

    [LibraryImport(Lib, EntryPoint = "pcap_geterr")]
    private static partial IntPtr GetErrPtr(IntPtr pcap);

    /// <summary>libpcap's last error text for <paramref name="pcap"/> (allocates; error paths only).</summary>
    public static string GetError(IntPtr pcap) => Marshal.PtrToStringUTF8(GetErrPtr(pcap)) ?? "unknown libpcap error";

    /// <summary>
    /// An epoll fd watching <paramref name="fd"/> for input, or -1. It polls readable exactly when
    /// <paramref name="fd"/> does, and reading it (as a sleeping datapath thread drains an eventfd) fails with
    /// EINVAL and consumes nothing, so it can be handed out as a wake fd where the packet socket itself cannot.
    /// Control thread only; the caller closes it with <see cref="CloseFd"/>.
    /// </summary>
    public static int WatchReadable(int fd)
    {
        if (fd < 0)
        {
            return -1;
        }
        int epoll = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
        if (epoll < 0)
        {
            return -1;
        }
        var ev = new Libc.EpollEvent { Events = Libc.EPOLLIN, Data = 0 };
        // SAFETY: ev lives on this stack frame for the call.
        if (Libc.epoll_ctl(epoll, Libc.EPOLL_CTL_ADD, fd, &ev) < 0)
        {
            _ = Libc.close(epoll);
            return -1;
        }
        return epoll;
    }

    /// <summary>True when <paramref name="fd"/> has input now (poll without waiting). Any thread; no allocation.</summary>
    public static bool Readable(int fd)
    {
        var pfd = new Libc.PollFd { Fd = fd, Events = Libc.POLLIN };
        // SAFETY: pfd lives on this stack frame for the call.
        return fd >= 0 && Libc.poll(&pfd, 1, 0) > 0 && (pfd.Revents & Libc.POLLIN) != 0;
    }

    /// <summary>Closes an fd this class opened.</summary>
    public static void CloseFd(int fd)
    {
        if (fd >= 0)
        {
            _ = Libc.close(fd);
        }
    }

    /// <summary>
    /// Sets IFF_UP on <paramref name="ifname"/> if it is not set (SIOCGIFFLAGS/SIOCSIFFLAGS). Returns null on success,
    /// else the reason. Control thread only.
    /// </summary>
    public static string? BringUp(string ifname)
    {
        byte[] name = System.Text.Encoding.UTF8.GetBytes(ifname);
        if (name.Length >= Libc.IfNameSize)
        {
            return $"interface name '{ifname}' is longer than {Libc.IfNameSize - 1} bytes";
        }
        int fd = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            return $"socket: {Libc.Describe(Libc.Errno)}";
        }
        try
        {
            // struct ifreq: char ifr_name[16], then a union whose first member here is short ifr_flags; 40 bytes in all.
            byte* ifreq = stackalloc byte[40];
            new Span<byte>(ifreq, 40).Clear();
            name.CopyTo(new Span<byte>(ifreq, Libc.IfNameSize));
            // SAFETY: ifreq is a 40-byte stack buffer, the size of struct ifreq on 64-bit Linux; the kernel reads and
            // writes only within it for these two requests.
            if (Libc.ioctl(fd, Libc.SIOCGIFFLAGS, ifreq) < 0)
            {
                return $"SIOCGIFFLAGS {ifname}: {Libc.Describe(Libc.Errno)}";
            }
            short flags = *(short*)(ifreq + Libc.IfNameSize);
            if ((flags & Libc.IFF_UP) != 0)
            {
                return null;
            }
            *(short*)(ifreq + Libc.IfNameSize) = (short)(flags | Libc.IFF_UP);
            return Libc.ioctl(fd, Libc.SIOCSIFFLAGS, ifreq) < 0 ? $"SIOCSIFFLAGS {ifname}: {Libc.Describe(Libc.Errno)}" : null;
        }
        finally
        {
            _ = Libc.close(fd);
        }
    }
}
