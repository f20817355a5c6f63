namespace VSwitch.OpenFlow.Messages;

/// <summary>A PORT_STATS reply entry (<c>struct ofp_port_stats</c>); unsupported counters are all ones.</summary>
/// <param name="PortNo">Port.</param>
/// <param name="RxPackets">Packets received.</param>
/// <param name="TxPackets">Packets sent.</param>
/// <param name="RxBytes">Bytes received.</param>
/// <param name="TxBytes">Bytes sent.</param>
/// <param name="RxDropped">Received packets dropped.</param>
/// <param name="TxDropped">Packets dropped on send.</param>
/// <param name="RxErrors">Receive errors.</param>
/// <param name="TxErrors">Send errors.</param>
/// <param name="RxFrameErr">Frame alignment errors.</param>
/// <param name="RxOverErr">Overruns.</param>
/// <param name="RxCrcErr">CRC errors.</param>
/// <param name="Collisions">Collisions.</param>
/// <param name="DurationSec">Time the port has existed, seconds.</param>
/// <param name="DurationNsec">Beyond DurationSec, nanoseconds.</param>
public sealed record PortStats(uint PortNo, ulong RxPackets, ulong TxPackets, ulong RxBytes, ulong TxBytes, ulong RxDropped, ulong TxDropped, ulong RxErrors, ulong TxErrors, ulong RxFrameErr, ulong RxOverErr, ulong RxCrcErr, ulong Collisions, uint DurationSec, uint DurationNsec) : MultipartItem;
