using VSwitch.OpenFlow.Messages;

namespace VSwitch.OpenFlow;

/// <summary>
/// How the switch tells the controllers what happened (OpenFlow 1.3.5 §7.4): each message goes to every connection
/// whose role and SET_ASYNC filters want it, and is dropped (and counted) for a connection whose output is full,
/// as OVS drops packet-ins under backpressure. Thread-safe; never blocks. Not for datapath threads: hand packets
/// to a control thread first (the publish takes a lock per connection).
/// </summary>
public interface IOpenFlowEvents
{
    /// <summary>
    /// PACKET_IN of <paramref name="frame"/>, cut to <see cref="PacketInEvent.MaxLen"/>. The frame is copied before
    /// the call returns. Encoding allocates nothing: each connection's copy goes into a pooled buffer.
    /// </summary>
    /// <returns>The number of connections it was queued to.</returns>
    int PublishPacketIn(in PacketInEvent packetIn, ReadOnlySpan<byte> frame);

    /// <summary>FLOW_REMOVED for a flow that had SEND_FLOW_REM (the xid is set here).</summary>
    /// <returns>The number of connections it was queued to.</returns>
    int PublishFlowRemoved(FlowRemoved message);

    /// <summary>PORT_STATUS for a port that was added, removed or changed.</summary>
    /// <returns>The number of connections it was queued to.</returns>
    int PublishPortStatus(PortStatusReason reason, OfpPort port);

    /// <summary>True while at least one controller connection (active, as set by set-controller) has completed its handshake.</summary>
    bool IsControllerConnected { get; }
}
