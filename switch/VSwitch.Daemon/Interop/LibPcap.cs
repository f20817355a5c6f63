using System.Runtime.InteropServices;

namespace VSwitch.Daemon.Interop;

/// <summary>
/// The few libpcap calls the capture filter needs: a "dead" handle (no device) to compile a BPF program for Ethernet
/// frames, and pcap_offline_filter to run it on a frame in memory. Plain DllImports with blittable arguments.
/// </summary>
internal static class LibPcap
{
    /// <summary>DLT_EN10MB.</summary>
    public const int LinkTypeEthernet = 1;

    /// <summary>PCAP_NETMASK_UNKNOWN: filters that need the netmask (ip broadcast) fail to compile.</summary>
    public const uint NetmaskUnknown = 0xffffffff;

    /// <summary>sizeof(struct bpf_program) on 64-bit Linux: u_int bf_len (padded to 8) and a pointer.</summary>
    public const int BpfProgramSize = 16;

    private const string Library = "libpcap.so.0.8";

    /// <summary>struct pcap_pkthdr on 64-bit Linux: struct timeval, caplen, len.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PacketHeader
    {
        public long Seconds;
        public long Microseconds;
        public uint CapturedLength;
        public uint Length;
    }

    [DllImport(Library)]
    public static extern nint pcap_open_dead(int linktype, int snaplen);

    [DllImport(Library)]
    public static extern void pcap_close(nint pcap);

    [DllImport(Library)]
    public static extern int pcap_compile(nint pcap, nint program, [MarshalAs(UnmanagedType.LPUTF8Str)] string filter, int optimize, uint netmask);

    [DllImport(Library)]
    public static extern nint pcap_geterr(nint pcap);

    [DllImport(Library)]
    public static extern void pcap_freecode(nint program);

    [DllImport(Library)]
    public static extern int pcap_offline_filter(nint program, ref PacketHeader header, ref byte data);
}
