using VSwitch.OpenFlow.Match;

namespace VSwitch.OpenFlow.Messages;

/// <summary>The filter of a FLOW or AGGREGATE request (<c>struct ofp_flow_stats_request</c>).</summary>
/// <param name="TableId">Table, or OFPTT_ALL.</param>
/// <param name="OutPort">Only flows that output to this port (OFPP_ANY = all).</param>
/// <param name="OutGroup">Only flows that output to this group (OFPG_ANY = all).</param>
/// <param name="Cookie">Cookie value under CookieMask.</param>
/// <param name="CookieMask">Cookie bits that must match (0 = any).</param>
/// <param name="Match">Flows whose match is at least this specific (non-strict).</param>
public sealed record FlowStatsRequest(byte TableId, uint OutPort, uint OutGroup, ulong Cookie, ulong CookieMask, OfpMatch Match);
