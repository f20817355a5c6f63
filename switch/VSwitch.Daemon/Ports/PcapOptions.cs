using System.Globalization;
using VSwitch.Control.Model;

namespace VSwitch.Daemon.Ports;

/// <summary>
/// The type-specific options of a pcap port, read from a stored <see cref="PortConfig"/>: either a live interface
/// (<c>iface</c>) or capture files (<c>rx-file</c> with <c>rx-rate</c> and <c>rx-loop</c>, and/or <c>tx-file</c>). Immutable.
/// </summary>
/// <param name="Interface">The live interface, or null for a file port.</param>
/// <param name="RxFile">Absolute path of the capture replayed into the switch, or null.</param>
/// <param name="RxRate">Replay rate in frames per second, or null for as fast as the switch takes them.</param>
/// <param name="RxLoop">True when the replay starts over at the end of the file.</param>
/// <param name="TxFile">Absolute path of the pcap file recording what the switch sends to the port, or null.</param>
public sealed record PcapOptions(string? Interface, string? RxFile, double? RxRate, bool RxLoop, string? TxFile)
{
    /// <summary>Option key of the live interface.</summary>
    public const string Iface = "iface";

    /// <summary>Option key of the replayed capture file.</summary>
    public const string RxFileKey = "rx-file";

    /// <summary>Option key of the replay rate (frames per second).</summary>
    public const string RxRateKey = "rx-rate";

    /// <summary>Option key of the replay loop flag (true/false).</summary>
    public const string RxLoopKey = "rx-loop";

    /// <summary>Option key of the recording file.</summary>
    public const string TxFileKey = "tx-file";

    /// <summary>Longest interface name (IFNAMSIZ minus the terminating NUL).</summary>
    public const int MaxInterfaceNameLength = 15;

    /// <summary>True for a live-interface port.</summary>
    public bool IsLive => Interface is not null;

    /// <summary>Reads the options of a port whose options were normalised by <see cref="PcapPortType"/>.</summary>
    public static PcapOptions From(PortConfig port)
    {
        ArgumentNullException.ThrowIfNull(port);
        double? rate = port.Option(RxRateKey) is string r ? double.Parse(r, NumberStyles.Float, CultureInfo.InvariantCulture) : null;
        return new PcapOptions(port.Option(Iface), port.Option(RxFileKey), rate,
            string.Equals(port.Option(RxLoopKey), "true", StringComparison.Ordinal), port.Option(TxFileKey));
    }
}
