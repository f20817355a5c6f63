namespace VSwitch.OpenFlow.Messages;

/// <summary>A QUEUE reply entry (<c>struct ofp_queue_stats</c>).</summary>
/// <param name="PortNo">Port.</param>
/// <param name="QueueId">Queue.</param>
/// <param name="TxBytes">Bytes sent.</param>
/// <param name="TxPackets">Packets sent.</param>
/// <param name="TxErrors">Packets dropped by overrun.</param>
/// <param name="DurationSec">Age, seconds.</param>
/// <param name="DurationNsec">Beyond DurationSec, nanoseconds.</param>
public sealed record QueueStats(uint PortNo, uint QueueId, ulong TxBytes, ulong TxPackets, ulong TxErrors, uint DurationSec, uint DurationNsec) : MultipartItem;
