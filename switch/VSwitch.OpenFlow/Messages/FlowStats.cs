using VSwitch.OpenFlow.Instructions;
using VSwitch.OpenFlow.Match;

namespace VSwitch.OpenFlow.Messages;

/// <summary>A FLOW reply entry (<c>struct ofp_flow_stats</c>).</summary>
/// <param name="TableId">Table.</param>
/// <param name="DurationSec">Age, seconds.</param>
/// <param name="DurationNsec">Beyond DurationSec, nanoseconds.</param>
/// <param name="Priority">Priority.</param>
/// <param name="IdleTimeout">Idle timeout, seconds.</param>
/// <param name="HardTimeout">Hard timeout, seconds.</param>
/// <param name="Flags">The flow's flags.</param>
/// <param name="Cookie">Cookie.</param>
/// <param name="PacketCount">Packets matched.</param>
/// <param name="ByteCount">Bytes matched.</param>
/// <param name="Match">Match.</param>
/// <param name="Instructions">Instructions.</param>
public sealed record FlowStats(byte TableId, uint DurationSec, uint DurationNsec, ushort Priority, ushort IdleTimeout, ushort HardTimeout, FlowModFlags Flags, ulong Cookie, ulong PacketCount, ulong ByteCount, OfpMatch Match, IReadOnlyList<OfpInstruction> Instructions) : MultipartItem;
