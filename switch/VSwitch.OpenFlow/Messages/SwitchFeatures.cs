namespace VSwitch.OpenFlow.Messages;

/// <summary>What FEATURES_REPLY says about the switch (<c>struct ofp_switch_features</c>).</summary>
/// <param name="DatapathId">Datapath id: low 48 bits a MAC address, top 16 implementer-defined.</param>
/// <param name="BufferCount">Packets the switch can buffer (0 here).</param>
/// <param name="TableCount">Number of flow tables.</param>
/// <param name="AuxiliaryId">0 for the main connection.</param>
/// <param name="Capabilities">Supported statistics and features.</param>
public sealed record SwitchFeatures(ulong DatapathId, uint BufferCount, byte TableCount, byte AuxiliaryId, SwitchCapabilities Capabilities);
