namespace VSwitch.TestKit.Guests;

/// <summary>
/// The counters of one testpmd forwarding stream (one rx queue of one port to one tx queue of another), as
/// <c>show fwd stats all</c> prints them when there are more streams than ports, that is with several queues.
/// </summary>
/// <param name="RxPort">The port the stream receives from.</param>
/// <param name="RxQueue">The queue it receives from (queue pair i of a guest's NIC sends into rx queue i).</param>
/// <param name="TxPort">The port it sends to.</param>
/// <param name="TxQueue">The queue it sends to.</param>
/// <param name="RxPackets">Packets received.</param>
/// <param name="TxPackets">Packets sent.</param>
/// <param name="TxDropped">Packets dropped because the destination ring was full.</param>
public readonly record struct TestPmdStreamStats(int RxPort, int RxQueue, int TxPort, int TxQueue, long RxPackets, long TxPackets, long TxDropped);
