namespace VSwitch.OpenFlow.Messages;

/// <summary>Administrative port settings (<c>enum ofp_port_config</c>).</summary>
[Flags]
public enum PortConfig : uint
{
    /// <summary>Nothing set.</summary>
    None = 0,
    /// <summary>Administratively down.</summary>
    PortDown = 1,
    /// <summary>Drop what the port receives.</summary>
    NoRecv = 4,
    /// <summary>Drop what is forwarded to the port.</summary>
    NoFwd = 32,
    /// <summary>No packet-in from this port.</summary>
    NoPacketIn = 64,
}
