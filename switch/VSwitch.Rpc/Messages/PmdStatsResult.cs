namespace VSwitch.Rpc.Messages;

/// <summary>The result of pmd-stats.</summary>
/// <param name="Threads">One entry per datapath thread.</param>
public sealed record PmdStatsResult(PmdStatsInfo[] Threads);
