namespace VSwitch.OpenFlow.Messages;

/// <summary>A TABLE reply entry (<c>struct ofp_table_stats</c>).</summary>
/// <param name="TableId">Table.</param>
/// <param name="ActiveCount">Flows in the table.</param>
/// <param name="LookupCount">Packets looked up in the table.</param>
/// <param name="MatchedCount">Packets that hit a flow.</param>
public sealed record TableStats(byte TableId, uint ActiveCount, ulong LookupCount, ulong MatchedCount) : MultipartItem;
