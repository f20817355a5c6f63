namespace VSwitch.Rpc.Messages;

/// <summary>The result of fdb-show.</summary>
/// <param name="Entries">Learned MACs, ordered by port, VLAN, MAC.</param>
public sealed record FdbShowResult(FdbEntryInfo[] Entries);
