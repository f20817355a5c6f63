namespace VSwitch.Rpc.Messages;

/// <summary>The receive queues one datapath thread polls.</summary>
/// <param name="Thread">Thread index.</param>
/// <param name="Cpu">CPU it is pinned to, or null.</param>
/// <param name="Queues">Its queues.</param>
public sealed record PmdRxqInfo(int Thread, int? Cpu, RxqInfo[] Queues);
