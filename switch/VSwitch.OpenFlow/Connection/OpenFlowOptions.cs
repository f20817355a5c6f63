namespace VSwitch.OpenFlow.Connection;

/// <summary>
/// What one OpenFlow connection may cost and how it is kept alive. Immutable. The defaults follow OVS: an echo
/// after 5 s without input and a disconnect 5 s later, reconnection after 1 s doubling to 8 s.
/// </summary>
/// <param name="ProbeInterval">Idle time before an echo request, and time to wait for any answer before disconnecting.</param>
/// <param name="ProbeTick">How often the idle check runs.</param>
/// <param name="OutputQueueBytes">
/// Bytes queued for sending per connection. Replies wait for room (so a peer that does not read stops being read);
/// async messages are dropped and counted when there is none.
/// </param>
/// <param name="MultipartRequestBytes">Bytes of a multipart request reassembled from MORE parts before MULTIPART_BUFFER_OVERFLOW.</param>
/// <param name="MaxPendingMultipart">Multipart requests in reassembly at once per connection.</param>
/// <param name="MinBackoff">First wait before reconnecting to a controller.</param>
/// <param name="MaxBackoff">Longest wait before reconnecting (the wait doubles up to it).</param>
/// <param name="ConnectTimeout">Time a TCP connect to a controller may take.</param>
/// <param name="MaxPassiveConnections">Connections a listener serves at once; more are closed at once.</param>
public sealed record OpenFlowOptions(TimeSpan ProbeInterval, TimeSpan ProbeTick, int OutputQueueBytes, int MultipartRequestBytes,
    int MaxPendingMultipart, TimeSpan MinBackoff, TimeSpan MaxBackoff, TimeSpan ConnectTimeout, int MaxPassiveConnections)
{
    /// <summary>5 s probes checked every 250 ms, 1 MiB output, 1 MiB multipart, 4 pending, back-off 1 s to 8 s, 64 passive connections.</summary>
    public static OpenFlowOptions Default { get; } = new(TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(250), 1 << 20, 1 << 20, 4,
        TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(5), 64);
}
