namespace VSwitch.Rpc.Messages;

/// <summary>The result of fdb-flush.</summary>
/// <param name="Flushed">Entries removed.</param>
public sealed record FdbFlushResult(int Flushed);
