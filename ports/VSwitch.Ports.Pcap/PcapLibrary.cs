using System.Runtime.InteropServices;

namespace VSwitch.Ports.Pcap;

/// <summary>
/// Whether libpcap, which both pcap port modes (and SharpPcap under them) need, can be loaded on this machine, so a
/// missing library is one clear add-port error instead of a loader exception from deep inside the port.
/// </summary>
public static class PcapLibrary
{
    private static readonly Lazy<bool> Loadable = new(
        () => NativeLibrary.TryLoad("libpcap.so.0.8", out _) || NativeLibrary.TryLoad("libpcap.so", out _));

    /// <summary>True when libpcap can be loaded.</summary>
    public static bool IsInstalled => Loadable.Value;

    /// <summary>What to tell a user who adds a pcap port on a machine without libpcap.</summary>
    public const string MissingMessage = "pcap ports need libpcap, which is not installed (Debian package libpcap0.8)";
}
