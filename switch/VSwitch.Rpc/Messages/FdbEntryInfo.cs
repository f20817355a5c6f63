using System.Text.Json.Serialization;

namespace VSwitch.Rpc.Messages;

/// <summary>One learned MAC.</summary>
/// <param name="OfPort">The port it was learned on.</param>
/// <param name="Port">That port's name, if it still exists.</param>
/// <param name="Vlan">VLAN id (0 = untagged).</param>
/// <param name="Mac">The address, aa:bb:cc:dd:ee:ff.</param>
/// <param name="AgeSeconds">Seconds since it was last seen.</param>
public sealed record FdbEntryInfo([property: JsonPropertyName("ofport")] int OfPort, string? Port, int Vlan, string Mac, long AgeSeconds);
