using VSwitch.Control.Model;
using VSwitch.Rpc;

namespace VSwitch.Control.Ports;

/// <summary>
/// Chooses OpenFlow port numbers: the requested one if it is free, else the lowest free number from 1
/// (as OVS does for ports without ofport_request). Pure function of the configuration; thread-safe.
/// </summary>
public static class OfPortAllocator
{
    /// <summary>
    /// The number for port <paramref name="portName"/>: <paramref name="requested"/> when given (it must be in range and
    /// not used by another port), else the lowest number no other port uses.
    /// </summary>
    /// <exception cref="ControlException">The requested number is out of range or taken, or every number is taken.</exception>
    public static int Allocate(SwitchConfig config, int? requested, string portName)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (requested is int r)
        {
            if (r is < 1 or > PortConfig.MaxOfPort)
            {
                throw ControlException.Invalid($"ofport {r} is outside 1..{PortConfig.MaxOfPort}");
            }
            PortConfig? holder = config.FindPort(r);
            if (holder is not null && !string.Equals(holder.Name, portName, StringComparison.Ordinal))
            {
                throw new ControlException(RpcErrorCodes.AlreadyExists, $"ofport {r} is already used by port '{holder.Name}'");
            }
            return r;
        }
        var used = new HashSet<int>();
        foreach (PortConfig p in config.Ports)
        {
            if (!string.Equals(p.Name, portName, StringComparison.Ordinal))
            {
                used.Add(p.OfPort);
            }
        }
        for (int n = 1; n <= PortConfig.MaxOfPort; n++)
        {
            if (!used.Contains(n))
            {
                return n;
            }
        }
        throw new ControlException(RpcErrorCodes.AlreadyExists, "every ofport number is in use");
    }
}
