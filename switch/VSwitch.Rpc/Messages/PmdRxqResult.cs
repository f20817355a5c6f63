namespace VSwitch.Rpc.Messages;

/// <summary>The result of pmd-rxq-show.</summary>
/// <param name="Threads">One entry per datapath thread.</param>
public sealed record PmdRxqResult(PmdRxqInfo[] Threads);
