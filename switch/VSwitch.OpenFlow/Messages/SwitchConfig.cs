namespace VSwitch.OpenFlow.Messages;

/// <summary>The switch configuration of GET_CONFIG_REPLY and SET_CONFIG (<c>struct ofp_switch_config</c>).</summary>
/// <param name="Flags">Fragment handling and invalid-TTL flags.</param>
/// <param name="MissSendLen">Bytes of a packet sent to the controller on a table miss without max_len (default 128).</param>
public sealed record SwitchConfig(ConfigFlags Flags, ushort MissSendLen);
