namespace VSwitch.Rpc.Messages;

/// <summary>One receive queue assigned to a datapath thread.</summary>
/// <param name="Port">Port name.</param>
/// <param name="Queue">Queue index.</param>
/// <param name="Enabled">Whether the peer has enabled the queue.</param>
/// <param name="UsagePercent">Share of the thread's busy time spent on this queue, 0..100.</param>
public sealed record RxqInfo(string Port, int Queue, bool Enabled, double UsagePercent);
