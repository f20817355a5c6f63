namespace VSwitch.Control.Runtime;

/// <summary>
/// Counters of the running MAC learning table since the switch started (the figures of OVS <c>fdb/stats-show</c>).
/// Immutable.
/// </summary>
/// <param name="Entries">Entries held now (aged ones not reclaimed yet included).</param>
/// <param name="MaxEntries">The entry limit (mac-table-size).</param>
/// <param name="Learned">New addresses learnt.</param>
/// <param name="Moved">Learnt addresses seen on another port and moved there (a migrated VM, a moved host, a loop).</param>
/// <param name="Evicted">Live entries evicted to make room.</param>
/// <param name="Expired">Entries removed because they aged out.</param>
/// <param name="RefusedMulticast">Frames whose multicast source address was not learnt.</param>
public sealed record FdbStats(int Entries, int MaxEntries, long Learned, long Moved, long Evicted, long Expired, long RefusedMulticast);
