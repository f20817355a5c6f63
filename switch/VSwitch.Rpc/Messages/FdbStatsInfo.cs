namespace VSwitch.Rpc.Messages;

/// <summary>MAC learning table counters since the switch started, as in fdb-show (OVS <c>fdb/stats-show</c>).</summary>
/// <param name="Entries">Entries held now.</param>
/// <param name="MaxEntries">The entry limit (mac-table-size).</param>
/// <param name="Learned">New addresses learnt.</param>
/// <param name="Moved">Learnt addresses that moved to another port (e.g. a migrated VM announcing itself).</param>
/// <param name="Evicted">Live entries evicted to make room.</param>
/// <param name="Expired">Entries removed because they aged out.</param>
/// <param name="RefusedMulticast">Frames whose multicast source address was not learnt.</param>
public sealed record FdbStatsInfo(int Entries, int MaxEntries, long Learned, long Moved, long Evicted, long Expired, long RefusedMulticast);
