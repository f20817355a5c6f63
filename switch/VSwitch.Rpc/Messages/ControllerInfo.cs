namespace VSwitch.Rpc.Messages;

/// <summary>One controller target and its connection, as get-controller, show and --json report it.</summary>
/// <param name="Target">The address, <c>tcp:HOST:PORT</c>.</param>
/// <param name="State">"backoff", "connecting", "handshake", "connected" or "closed".</param>
/// <param name="IsConnected">True once the OpenFlow handshake completed (OVS's is_connected).</param>
/// <param name="Role">"equal", "master" or "slave".</param>
/// <param name="ConnectedForSeconds">Seconds since the handshake, or 0.</param>
/// <param name="Attempts">Connection attempts since the target was set.</param>
/// <param name="MessagesReceived">OpenFlow messages received on the current connection.</param>
/// <param name="PacketInsSent">PACKET_INs queued to the current connection.</param>
/// <param name="AsyncDropped">Async messages (PACKET_IN, PORT_STATUS, FLOW_REMOVED) dropped because its output was full.</param>
/// <param name="LastError">Why the last connection ended or failed, or null.</param>
public sealed record ControllerInfo(string Target, string State, bool IsConnected, string Role, long ConnectedForSeconds, int Attempts,
    long MessagesReceived, long PacketInsSent, long AsyncDropped, string? LastError);
