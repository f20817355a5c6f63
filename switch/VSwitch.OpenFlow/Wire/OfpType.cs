namespace VSwitch.OpenFlow.Wire;

/// <summary>The <c>type</c> byte of the OpenFlow 1.3 header (<c>enum ofp_type</c>, OpenFlow 1.3.5 §7.1).</summary>
public enum OfpType : byte
{
    /// <summary>Symmetric: version negotiation, the first message each side sends.</summary>
    Hello = 0,
    /// <summary>Symmetric: a refused request or a failure.</summary>
    Error = 1,
    /// <summary>Symmetric: liveness probe.</summary>
    EchoRequest = 2,
    /// <summary>Symmetric: answer to <see cref="EchoRequest"/>, same xid and data.</summary>
    EchoReply = 3,
    /// <summary>Symmetric: vendor extension (not supported here).</summary>
    Experimenter = 4,
    /// <summary>Controller asks for the datapath id and capabilities.</summary>
    FeaturesRequest = 5,
    /// <summary>Switch answers <see cref="FeaturesRequest"/>.</summary>
    FeaturesReply = 6,
    /// <summary>Controller asks for the switch configuration.</summary>
    GetConfigRequest = 7,
    /// <summary>Switch answers <see cref="GetConfigRequest"/>.</summary>
    GetConfigReply = 8,
    /// <summary>Controller sets fragment handling and miss_send_len.</summary>
    SetConfig = 9,
    /// <summary>Async: a packet sent to the controller.</summary>
    PacketIn = 10,
    /// <summary>Async: a flow entry was removed.</summary>
    FlowRemoved = 11,
    /// <summary>Async: a port was added, removed or changed.</summary>
    PortStatus = 12,
    /// <summary>Controller injects a packet.</summary>
    PacketOut = 13,
    /// <summary>Controller changes the flow tables.</summary>
    FlowMod = 14,
    /// <summary>Controller changes the group table.</summary>
    GroupMod = 15,
    /// <summary>Controller changes a port's configuration.</summary>
    PortMod = 16,
    /// <summary>Controller changes a table's configuration.</summary>
    TableMod = 17,
    /// <summary>Statistics and descriptions, possibly in several parts.</summary>
    MultipartRequest = 18,
    /// <summary>Answer to <see cref="MultipartRequest"/>, possibly in several parts.</summary>
    MultipartReply = 19,
    /// <summary>Ordering point: answered once every earlier message is done.</summary>
    BarrierRequest = 20,
    /// <summary>Answer to <see cref="BarrierRequest"/>.</summary>
    BarrierReply = 21,
    /// <summary>Queue configuration of a port.</summary>
    QueueGetConfigRequest = 22,
    /// <summary>Answer to <see cref="QueueGetConfigRequest"/>.</summary>
    QueueGetConfigReply = 23,
    /// <summary>Controller sets its role (equal, master, slave).</summary>
    RoleRequest = 24,
    /// <summary>Answer to <see cref="RoleRequest"/>.</summary>
    RoleReply = 25,
    /// <summary>Controller asks for its async message filters.</summary>
    GetAsyncRequest = 26,
    /// <summary>Answer to <see cref="GetAsyncRequest"/>.</summary>
    GetAsyncReply = 27,
    /// <summary>Controller sets its async message filters.</summary>
    SetAsync = 28,
    /// <summary>Controller changes the meter table.</summary>
    MeterMod = 29,
}
