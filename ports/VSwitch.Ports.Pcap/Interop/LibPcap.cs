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
