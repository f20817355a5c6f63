namespace VSwitch.Rpc.Messages;

/// <summary>The result of fdb-show.</summary>
/// <param name="Entries">Learned MACs, ordered by port, VLAN, MAC.</param>
public sealed record FdbShowResult(FdbEntryInfo[] Entries)
{
    /// <summary>The table's counters (null from a switch that does not report them).</summary>
    public FdbStatsInfo? Stats { get; init; }
}
