namespace VSwitch.OpenFlow.Messages;

/// <summary>A port description (<c>struct ofp_port</c>, 64 bytes): in PORT_DESC replies and PORT_STATUS.</summary>
/// <param name="PortNo">OpenFlow port number.</param>
/// <param name="HwAddr">MAC address (48 bits).</param>
/// <param name="Name">Name (up to 15 ASCII characters).</param>
/// <param name="Config">Administrative settings.</param>
/// <param name="State">Link state.</param>
/// <param name="Current">Current features.</param>
/// <param name="Advertised">Advertised features.</param>
/// <param name="Supported">Supported features.</param>
/// <param name="Peer">Features advertised by the peer.</param>
/// <param name="CurrentSpeedKbps">Current bit rate, kbit/s.</param>
/// <param name="MaxSpeedKbps">Maximum bit rate, kbit/s.</param>
public sealed record OfpPort(uint PortNo, ulong HwAddr, string Name, PortConfig Config, PortState State, PortFeatures Current, PortFeatures Advertised, PortFeatures Supported, PortFeatures Peer, uint CurrentSpeedKbps, uint MaxSpeedKbps) : MultipartItem;
