namespace VSwitch.OpenFlow.Messages;

/// <summary>Why a packet was sent to the controller (<c>enum ofp_packet_in_reason</c>).</summary>
public enum PacketInReason : byte
{
    /// <summary>Table miss (the table-miss flow sent it).</summary>
    NoMatch = 0,
    /// <summary>An output:CONTROLLER action.</summary>
    Action = 1,
    /// <summary>The TTL was invalid.</summary>
    InvalidTtl = 2,
}
