using System.Runtime.InteropServices;

namespace VSwitch.Ports.Pcap.Interop;

/// <summary>
/// Every libpcap call of the switch, in the convention of VSwitch.Native (LibraryImport partial methods named as in
/// C): for the live and file ports the calls SharpPcap 6 does not expose, or exposes only with an allocation per call
/// (capture direction, reading and sending by pointer); for capture filters a "dead" handle, BPF compilation and
/// pcap_offline_filter on a frame in memory. libpcap reports errors through pcap_geterr, not errno. This is the only
/// assembly that links libpcap; its libc calls go through VSwitch.Native. Stateless; thread-safe as far as libpcap
/// allows (one thread per <c>pcap_t</c> and direction; pcap_compile serialised by the caller).
/// </summary>
// SAFETY: pointer parameters are passed straight to libpcap; callers lend pinned or native memory for the call only.
internal static unsafe partial class LibPcap
{
    /// <summary>pcap_direction_t PCAP_D_IN: only frames that arrive on the interface, not those sent from it.</summary>
    public const int PCAP_D_IN = 1;

    /// <summary>DLT_EN10MB: Ethernet.</summary>
    public const int DLT_EN10MB = 1;

    /// <summary>PCAP_NETMASK_UNKNOWN: filters that need the netmask (ip broadcast) fail to compile.</summary>
    public const uint PCAP_NETMASK_UNKNOWN = 0xffffffff;

    /// <summary>sizeof(struct bpf_program) on 64-bit Linux: u_int bf_len (padded to 8) and a pointer.</summary>
    public const int BpfProgramSize = 16;

    /// <summary>Offset of <c>caplen</c> in <c>struct pcap_pkthdr</c> on 64-bit Linux (after a 16-byte struct timeval).</summary>
    public const int HeaderCapLenOffset = 16;

    private const string Lib = "libpcap.so.0.8";

    /// <summary>struct pcap_pkthdr on 64-bit Linux (24 bytes): struct timeval, caplen, len.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PacketHeader
    {
        public long Seconds;
        public long Microseconds;
        public uint CapturedLength;
        public uint Length;
    }

    [LibraryImport(Lib)]
    public static partial int pcap_setdirection(nint pcap, int direction);

    /// <summary>1: a packet; 0: none now (non-blocking or timeout); -1: error; -2: end of a capture file.</summary>
    [LibraryImport(Lib)]
    public static partial int pcap_next_ex(nint pcap, out nint header, out nint data);

    [LibraryImport(Lib)]
    public static partial int pcap_sendpacket(nint pcap, byte* data, int length);

    /// <summary>The fd that polls readable when the capture has frames (the packet socket on Linux), or -1.</summary>
    [LibraryImport(Lib)]
    public static partial int pcap_get_selectable_fd(nint pcap);

    [LibraryImport(Lib)]
    public static partial nint pcap_geterr(nint pcap);

    [LibraryImport(Lib)]
    public static partial nint pcap_open_dead(int linktype, int snaplen);

    [LibraryImport(Lib)]
    public static partial void pcap_close(nint pcap);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int pcap_compile(nint pcap, nint program, string filter, int optimize, uint netmask);

    [LibraryImport(Lib)]
    public static partial void pcap_freecode(nint program);

    [LibraryImport(Lib)]
    public static partial int pcap_offline_filter(nint program, PacketHeader* header, byte* data);

    /// <summary>libpcap's last error text for <paramref name="pcap"/> (allocates; error paths only).</summary>
    public static string GetError(nint pcap) => Marshal.PtrToStringUTF8(pcap_geterr(pcap)) ?? "unknown libpcap error";
}
