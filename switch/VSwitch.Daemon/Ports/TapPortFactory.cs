using System.Globalization;
using Microsoft.Extensions.Logging;
using VSwitch.Control;
using VSwitch.Control.Model;
using VSwitch.Control.Ports;
using VSwitch.Control.Rpc.Handlers;
using VSwitch.Core.Ports;
using VSwitch.Ports.Tap;
using VSwitch.Rpc.Messages;

namespace VSwitch.Daemon.Ports;

/// <summary>
/// Creates the ports of type <c>tap</c> as running <see cref="TapPort"/>s; the option rules come from
/// <see cref="TapPortType"/>. A tap that cannot be opened (name taken by another kind of device, no /dev/net/tun,
/// busy, not permitted) becomes a <see cref="ControlException"/> naming the cause; the daemon carries on. Control thread only.
/// </summary>
internal sealed class TapPortFactory : TapPortType
{
    private readonly ILogger _log;

    public TapPortFactory(ILoggerFactory loggers)
    {
        _log = loggers.CreateLogger("tap");
    }

    public override IPort Create(PortConfig port)
    {
        ArgumentNullException.ThrowIfNull(port);
        // The stored options were normalised when the port was added, but the DB is a file a user may edit.
        if (!int.TryParse(port.Option(Queues) ?? "1", NumberStyles.None, CultureInfo.InvariantCulture, out int queues))
        {
            throw ControlException.Invalid($"port '{port.Name}': queues '{port.Option(Queues)}' is not a number");
        }
        var options = new TapPortOptions
        {
            Name = port.Name,
            IfName = port.Option(IfName) ?? port.Name,
            Queues = queues,
            Mtu = port.Mtu,
        };
        TapPort created;
        try
        {
            created = TapPort.Open(options, new PortId((ushort)port.OfPort));
        }
        catch (Exception e) when (e is IOException or ArgumentException)
        {
            throw ControlException.Invalid($"port '{port.Name}': {e.Message}");
        }
        _log.LogInformation("port {Port}: {Action} tap {IfName} with {Queues} queue(s)", port.Name,
            created.Created ? "created" : "attached to existing", created.IfName, options.Queues);
        return created;
    }

    /// <summary>A tap takes a new MTU in place (set on the interface wherever it lives) when its buffers fit it.</summary>
    public override bool TryChangeMtu(IPort port, PortConfig next)
    {
        ArgumentNullException.ThrowIfNull(next);
        if (port is not TapPort tap || next.Mtu is not int mtu)
        {
            return false;
        }
        try
        {
            if (!tap.TrySetMtu(mtu))
            {
                return false;
            }
        }
        catch (IOException e)
        {
            throw ControlException.Invalid($"port '{next.Name}': {e.Message}");
        }
        _log.LogInformation("port {Port}: MTU of tap {IfName} set to {Mtu} in place", next.Name, tap.IfName, mtu);
        return true;
    }

    public override PortStatusResult Describe(IPort port, PortConfig config)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(config);
        if (port is not TapPort tap)
        {
            return new PortStatusResult(config.Name, config.Type, config.OfPort, PortHandlers.StateName(port.State), null, null,
                config.Mtu, 0, null, [], null, [], [], null);
        }
        TapPortStatus s = tap.GetStatus();
        string origin = s.Created ? "created by the switch; removed with the port" : "existing interface, attached; left in place";
        return new PortStatusResult(config.Name, config.Type, config.OfPort, PortHandlers.StateName(s.State), origin, null, s.Mtu,
            s.Queues, null, [], null, [], [], s.LastError)
        {
            Details =
            [
                new PortDetail("interface", s.IfName),
                new PortDetail("ifindex", s.IfIndex.ToString(CultureInfo.InvariantCulture)),
                new PortDetail("interface origin", s.Created ? "created" : "attached"),
                new PortDetail("namespace", s.OtherNamespace ? "moved to another network namespace" : "vswitchd's own"),
                new PortDetail("flags", s.Flags),
                new PortDetail("queues", s.Queues.ToString(CultureInfo.InvariantCulture)),
                new PortDetail("vnet header", "12 bytes, offloads off"),
            ],
        };
    }
}
