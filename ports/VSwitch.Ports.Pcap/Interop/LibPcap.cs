using System.Runtime.InteropServices;

namespace VSwitch.Ports.Pcap.Interop;

/// <summary>
/// The libpcap calls SharpPcap 6 does not expose, or exposes only with an allocation per call: capture direction,
/// reading and sending by pointer. All P/Invoke of this assembly is here (its libc calls go through VSwitch.Native).
/// Stateless; thread-safe as far as libpcap allows (one thread per <c>pcap_t</c> and direction).
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
}
