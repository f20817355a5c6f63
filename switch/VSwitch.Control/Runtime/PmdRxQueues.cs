namespace VSwitch.Control.Runtime;

/// <summary>The receive queues one datapath thread polls. Immutable.</summary>
/// <param name="Thread">Thread index.</param>
/// <param name="Cpu">CPU it is pinned to, or null.</param>
/// <param name="Queues">Its queues, in port order.</param>
public sealed record PmdRxQueues(int Thread, int? Cpu, IReadOnlyList<PmdRxQueue> Queues);
