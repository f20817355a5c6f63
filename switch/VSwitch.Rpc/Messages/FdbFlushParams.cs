namespace VSwitch.Rpc.Messages;

/// <summary>Parameters of fdb-flush.</summary>
/// <param name="Port">Forget only MACs learned on this port (name or number); null for all.</param>
public sealed record FdbFlushParams(string? Port);
