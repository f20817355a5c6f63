using VSwitch.OpenFlow.Instructions;
using VSwitch.OpenFlow.Match;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>FLOW_MOD (<c>struct ofp_flow_mod</c>, OpenFlow 1.3.5 §7.3.4.2), checked for syntax: command, flags, table id for the command, match, instructions.</summary>
/// <param name="Xid">Transaction id.</param>
/// <param name="Cookie">Opaque controller value.</param>
/// <param name="CookieMask">For modify and delete: which cookie bits must equal Cookie (0 = any).</param>
/// <param name="TableId">Table, or OFPTT_ALL for delete.</param>
/// <param name="Command">What to do.</param>
/// <param name="IdleTimeout">Seconds without a match before removal (0 = never).</param>
/// <param name="HardTimeout">Seconds before removal (0 = never).</param>
/// <param name="Priority">Priority (higher wins).</param>
/// <param name="BufferId">OFP_NO_BUFFER (a buffer id is refused after the flow is added: the switch buffers nothing).</param>
/// <param name="OutPort">For delete: only flows that output to this port (OFPP_ANY = no filter).</param>
/// <param name="OutGroup">For delete: only flows that output to this group (OFPG_ANY = no filter).</param>
/// <param name="Flags">SEND_FLOW_REM, CHECK_OVERLAP, RESET_COUNTS, ...</param>
/// <param name="Match">The match.</param>
/// <param name="Instructions">The instructions (at most one of each type).</param>
public sealed record FlowMod(uint Xid, ulong Cookie, ulong CookieMask, byte TableId, FlowModCommand Command, ushort IdleTimeout, ushort HardTimeout, ushort Priority, uint BufferId, uint OutPort, uint OutGroup, FlowModFlags Flags, OfpMatch Match, IReadOnlyList<OfpInstruction> Instructions) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.FlowMod;
}
