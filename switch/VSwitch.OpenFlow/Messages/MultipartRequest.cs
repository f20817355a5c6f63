using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>
/// MULTIPART_REQUEST (OpenFlow 1.3.5 §7.3.5), after reassembly of parts sent with the MORE flag. Which of the
/// optional properties is set depends on <see cref="Kind"/>.
/// </summary>
/// <param name="Xid">Transaction id, shared by every part.</param>
/// <param name="Kind">What is asked for.</param>
/// <param name="Flags">MORE when further parts follow (only on the wire; reassembled requests have none).</param>
public sealed record MultipartRequest(uint Xid, MultipartType Kind, MultipartFlags Flags) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.MultipartRequest;

    /// <summary>For <see cref="MultipartType.Flow"/> and <see cref="MultipartType.Aggregate"/>: the filter.</summary>
    public FlowStatsRequest? Flow { get; init; }

    /// <summary>For <see cref="MultipartType.PortStats"/> and <see cref="MultipartType.Queue"/>: the port or OFPP_ANY.</summary>
    public uint PortNo { get; init; }

    /// <summary>For <see cref="MultipartType.Queue"/>: the queue or OFPQ_ALL.</summary>
    public uint QueueId { get; init; }

    /// <summary>For <see cref="MultipartType.Group"/>: the group or OFPG_ALL.</summary>
    public uint GroupId { get; init; }

    /// <summary>For <see cref="MultipartType.Meter"/> and <see cref="MultipartType.MeterConfig"/>: the meter or OFPM_ALL.</summary>
    public uint MeterId { get; init; }

    /// <summary>For <see cref="MultipartType.TableFeatures"/>: empty to query, non-empty to set (refused here).</summary>
    public IReadOnlyList<TableFeatures> TableFeatures { get; init; } = [];
}
