namespace VSwitch.Control.Runtime;

/// <summary>One receive queue a datapath thread polls. Immutable.</summary>
/// <param name="Port">Port name.</param>
/// <param name="Queue">Queue index.</param>
/// <param name="Enabled">Whether the peer has enabled the queue.</param>
/// <param name="UsagePercent">Share of the thread's busy time spent on this queue, 0..100.</param>
public sealed record PmdRxQueue(string Port, int Queue, bool Enabled, double UsagePercent);
