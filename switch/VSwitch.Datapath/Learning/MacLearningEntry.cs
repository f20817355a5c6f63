using VSwitch.Core.Net;
using VSwitch.Core.Ports;

namespace VSwitch.Datapath.Learning;

/// <summary>One forwarding-database entry as <c>fdb-show</c> prints it.</summary>
/// <param name="Vlan">The VLAN the address was seen on (0 for untagged traffic on trunk ports).</param>
/// <param name="Mac">The learnt source address.</param>
/// <param name="Port">The port the address was last seen on.</param>
/// <param name="AgeSeconds">Seconds since the entry was last refreshed (refreshes happen at most once a second).</param>
public readonly record struct MacLearningEntry(ushort Vlan, MacAddress Mac, PortId Port, int AgeSeconds);
