using VSwitch.OpenFlow.Messages;

namespace VSwitch.OpenFlow.Connection;

/// <summary>A snapshot of one connection or controller target, for <c>show</c> and <c>--json</c>.</summary>
/// <param name="Name">Target or peer, e.g. <c>tcp:192.0.2.1:6653</c> or <c>unix:/run/vswitch/br0.mgmt</c>.</param>
/// <param name="Kind">Passive (listener) or active (controller).</param>
/// <param name="State">Where it stands.</param>
/// <param name="Role">Its OpenFlow role.</param>
/// <param name="ConnectedForSeconds">Seconds since the handshake, or 0.</param>
/// <param name="MessagesReceived">Messages received.</param>
/// <param name="ErrorsSent">ERROR messages sent.</param>
/// <param name="PacketInsSent">PACKET_INs queued.</param>
/// <param name="AsyncDropped">Async messages dropped because the output was full.</param>
/// <param name="LastError">Why the last connection ended or failed, or null.</param>
public sealed record OfpConnectionInfo(string Name, ConnectionKind Kind, ConnectionState State, ControllerRole Role, long ConnectedForSeconds,
    long MessagesReceived, long ErrorsSent, long PacketInsSent, long AsyncDropped, string? LastError);
