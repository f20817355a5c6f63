using VSwitch.Core.Ports;

namespace VSwitch.Ports.Pcap;

/// <summary>A snapshot of a pcap port for port-status. Immutable.</summary>
/// <param name="Live">True for a live interface, false for a file port.</param>
/// <param name="State">The port's state.</param>
/// <param name="Activity">What the port is doing: "capturing", "replaying", "replay finished", "recording", "failed".</param>
/// <param name="Interface">The interface of a live port.</param>
/// <param name="RxFile">The replayed file of a file port.</param>
/// <param name="RxRate">Replay rate in frames per second, or null for as fast as the switch takes them.</param>
/// <param name="RxLoop">True when the replay loops.</param>
/// <param name="TxFile">The file a file port records into.</param>
/// <param name="Replayed">Frames read from the rx file so far.</param>
/// <param name="LoopsDone">Complete passes over the rx file.</param>
/// <param name="Recorded">Frames written to the tx file.</param>
/// <param name="Skipped">Records of the rx file skipped because they are larger than a packet buffer.</param>
/// <param name="LastError">Why the port failed, or null.</param>
public sealed record PcapPortStatus(bool Live, PortState State, string Activity, string? Interface, string? RxFile, double? RxRate,
    bool RxLoop, string? TxFile, long Replayed, long LoopsDone, long Recorded, long Skipped,
    string? LastError);
