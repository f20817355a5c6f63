using System.Runtime.InteropServices;

namespace VSwitch.Ports.Pcap.Interop;

/// <summary>
/// The libpcap and libc calls SharpPcap 6 does not expose, or exposes only with an allocation per call: capture
/// direction, reading and sending by pointer, and bringing an interface up. All P/Invoke of this
/// assembly is here. Stateless; thread-safe as far as libpcap allows (one thread per <c>pcap_t</c> and direction).
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

    private const int AfInet = 2;
    private const int SockDgram = 2;
    private const int SockCloexec = 0x80000;
    private const ulong SiocGifFlags = 0x8913;
    private const ulong SiocSifFlags = 0x8914;
    private const short IffUp = 0x1;
    private const int IfNameSize = 16;

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, ulong request, byte* arg);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    private const int EpollCloexec = 0x80000;
    private const int EpollCtlAdd = 1;
    private const uint EpollIn = 0x1;
    private const short PollIn = 0x1;

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollCtl(int epfd, int op, int fd, EpollEvent* ev);

    [LibraryImport("libc", EntryPoint = "poll")]
    private static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

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
        int epoll = EpollCreate1(EpollCloexec);
        if (epoll < 0)
        {
            return -1;
        }
        var ev = new EpollEvent { Events = EpollIn, Data = 0 };
        // SAFETY: ev lives on this stack frame for the call.
        if (EpollCtl(epoll, EpollCtlAdd, fd, &ev) < 0)
        {
            _ = Close(epoll);
            return -1;
        }
        return epoll;
    }

    /// <summary>True when <paramref name="fd"/> has input now (poll without waiting). Any thread; no allocation.</summary>
    public static bool Readable(int fd)
    {
        var pfd = new PollFd { Fd = fd, Events = PollIn };
        // SAFETY: pfd lives on this stack frame for the call.
        return fd >= 0 && Poll(&pfd, 1, 0) > 0 && (pfd.Revents & PollIn) != 0;
    }

    /// <summary>Closes an fd this class opened.</summary>
    public static void CloseFd(int fd)
    {
        if (fd >= 0)
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// Sets IFF_UP on <paramref name="ifname"/> if it is not set (SIOCGIFFLAGS/SIOCSIFFLAGS). Returns null on success,
    /// else the reason. Control thread only.
    /// </summary>
    public static string? BringUp(string ifname)
    {
        byte[] name = System.Text.Encoding.UTF8.GetBytes(ifname);
        if (name.Length >= IfNameSize)
        {
            return $"interface name '{ifname}' is longer than {IfNameSize - 1} bytes";
        }
        int fd = Socket(AfInet, SockDgram | SockCloexec, 0);
        if (fd < 0)
        {
            return $"socket: {Marshal.GetLastPInvokeErrorMessage()}";
        }
        try
        {
            // struct ifreq: char ifr_name[16], then a union whose first member here is short ifr_flags; 40 bytes in all.
            byte* ifreq = stackalloc byte[40];
            new Span<byte>(ifreq, 40).Clear();
            name.CopyTo(new Span<byte>(ifreq, IfNameSize));
            // SAFETY: ifreq is a 40-byte stack buffer, the size of struct ifreq on 64-bit Linux; the kernel reads and
            // writes only within it for these two requests.
            if (Ioctl(fd, SiocGifFlags, ifreq) < 0)
            {
                return $"SIOCGIFFLAGS {ifname}: {Marshal.GetLastPInvokeErrorMessage()}";
            }
            short flags = *(short*)(ifreq + IfNameSize);
            if ((flags & IffUp) != 0)
            {
                return null;
            }
            *(short*)(ifreq + IfNameSize) = (short)(flags | IffUp);
            return Ioctl(fd, SiocSifFlags, ifreq) < 0 ? $"SIOCSIFFLAGS {ifname}: {Marshal.GetLastPInvokeErrorMessage()}" : null;
        }
        finally
        {
            _ = Close(fd);
        }
    }
}
