using VSwitch.Core.Net;

namespace VSwitch.Control.Runtime;

/// <summary>One entry of the running MAC learning table. Immutable.</summary>
/// <param name="OfPort">The OpenFlow number of the port it was learnt on.</param>
/// <param name="Vlan">VLAN id (0 = untagged).</param>
/// <param name="Mac">The address.</param>
/// <param name="AgeSeconds">Seconds since a frame from it was last seen.</param>
public sealed record LearnedMac(int OfPort, int Vlan, MacAddress Mac, long AgeSeconds);
