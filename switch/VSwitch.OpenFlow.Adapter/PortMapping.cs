using VSwitch.Flows.Actions;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Adapter;

/// <summary>
/// OpenFlow 1.3 port numbers (32-bit) and the flow engine's (16-bit, OpenFlow 1.0 numbering, <see cref="OpenFlowPort"/>):
/// ordinary ports 1..0xff00 are the same number, the reserved ports 0xfffffff8..0xffffffff map onto 0xfff8..0xffff,
/// as OpenFlow 1.3.5 §7.2.1 and OVS's 1.0/1.1 port translation define. Numbers in between have no 16-bit form.
/// </summary>
public static class PortMapping
{
    /// <summary>The 16-bit number of <paramref name="port"/>; false when it has none.</summary>
    public static bool TryToEngine(uint port, out ushort engine)
    {
        if (port <= OpenFlowPort.Max)
        {
            engine = (ushort)port;
            return true;
        }
        if (port >= OfpPortNo.InPort)
        {
            engine = (ushort)(port & 0xffff);
            return true;
        }
        engine = 0;
        return false;
    }

    /// <summary>The 32-bit number of the 16-bit <paramref name="port"/>.</summary>
    public static uint ToOpenFlow(ushort port) => port >= OpenFlowPort.InPort ? 0xffff0000u | port : port;
}
