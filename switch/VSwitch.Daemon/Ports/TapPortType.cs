using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Logging;
using VSwitch.Control;
using VSwitch.Control.Model;
using VSwitch.Control.Ports;
using VSwitch.Control.Runtime;
using VSwitch.Core.Ports;
using VSwitch.Ports.Tap;

namespace VSwitch.Daemon.Ports;

/// <summary>
/// The <c>tap</c> port type, all of it in this one place: <c>ifname</c> (the Linux interface to create or attach to;
/// default the port name, at most 15 bytes), <c>queues</c> (1..16, default 1; more than one makes a multi_queue
/// tap) and <c>offloads</c> (<c>on</c>, the default: checksum and TCP segmentation offload with the kernel; <c>off</c>),
/// all stored by <see cref="NormalizeOptions"/> so a restart re-creates the same interface; the MTU is the port's
/// generic <c>mtu</c> setting. It opens the <see cref="TapPort"/>s, changes their MTU in place and describes them. A tap
/// that cannot be opened (name taken by another kind of device, no /dev/net/tun, busy, not permitted) becomes a
/// <see cref="ControlException"/> naming the cause; the daemon carries on. Control thread only.
/// </summary>
public sealed class TapPortType : IPortType
{
    /// <summary>The type name.</summary>
    public const string TypeName = "tap";

    /// <summary>Option key of the interface name.</summary>
    public const string IfName = "ifname";

    /// <summary>Option key of the queue count.</summary>
    public const string Queues = "queues";

    /// <summary>Option key of the offload switch: <c>on</c> (default) or <c>off</c>.</summary>
    public const string Offloads = "offloads";

    private static readonly string[] s_keys = [IfName, Queues, Offloads];

    private readonly ILogger _log;

    /// <summary>The type; it logs what it creates and changes through <paramref name="loggers"/>.</summary>
    public TapPortType(ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        _log = loggers.CreateLogger("tap");
    }

    /// <inheritdoc/>
    public string Type => TypeName;

    /// <inheritdoc/>
    public string Description => "Linux TAP interface (/dev/net/tun), created by the switch or an existing persistent one";

    /// <inheritdoc/>
    public ImmutableSortedDictionary<string, string> NormalizeOptions(string portName, IReadOnlyDictionary<string, string> options,
        PortTypeContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = PortOptions.CopyKnown(TypeName, options, s_keys);
        string ifName = result.GetValueOrDefault(IfName) ?? portName;
        if (TapPortOptions.CheckIfName(ifName) is string problem)
        {
            throw ControlException.Invalid(result.ContainsKey(IfName)
                ? $"ifname: {problem}"
                : $"{problem}; the interface name defaults to the port name, give another with --ifname");
        }
        result[IfName] = ifName;
        string queues = result.GetValueOrDefault(Queues) ?? "1";
        if (!int.TryParse(queues, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n is < 1 or > TapPortOptions.MaxQueues)
        {
            throw ControlException.Invalid($"queues '{queues}' is not a number in 1..{TapPortOptions.MaxQueues}");
        }
        result[Queues] = n.ToString(CultureInfo.InvariantCulture);
        string offloads = result.GetValueOrDefault(Offloads) ?? "on";
        if (ParseOffloads(offloads) is null)
        {
            throw ControlException.Invalid($"offloads '{offloads}' is not on or off");
        }
        result[Offloads] = ParseOffloads(offloads) == true ? "on" : "off";
        return result.ToImmutable();
    }

    /// <inheritdoc/>
    public string? SocketPath(PortConfig port) => null;

    /// <inheritdoc/>
    public IPort Create(PortConfig port)
    {
        ArgumentNullException.ThrowIfNull(port);
        // The stored options were normalised when the port was added, but the DB is a file a user may edit.
        if (!int.TryParse(port.Option(Queues) ?? "1", NumberStyles.None, CultureInfo.InvariantCulture, out int queues))
        {
            throw ControlException.Invalid($"port '{port.Name}': queues '{port.Option(Queues)}' is not a number");
        }
        // Ports stored before the option existed have no key: they get the default, offloads on.
        if (ParseOffloads(port.Option(Offloads) ?? "on") is not bool offloads)
        {
            throw ControlException.Invalid($"port '{port.Name}': offloads '{port.Option(Offloads)}' is not on or off");
        }
        var options = new TapPortOptions
        {
            Name = port.Name,
            IfName = port.Option(IfName) ?? port.Name,
            Queues = queues,
            Mtu = port.Mtu,
            Offloads = offloads,
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
        _log.LogInformation("port {Port}: {Action} tap {IfName} with {Queues} queue(s), offloads {Offloads}", port.Name,
            created.Created ? "created" : "attached to existing", created.IfName, options.Queues, OffloadNames(created.TxOffloads));
        return created;
    }

    /// <summary>A tap takes a new MTU in place (set on the interface wherever it lives) when its buffers fit it.</summary>
    public bool TryChangeMtu(IPort port, PortConfig next)
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

    /// <inheritdoc/>
    public PortStatusReport Describe(IPort port, PortConfig config)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(config);
        if (port is not TapPort tap)
        {
            return new PortStatusReport(port.State, null, null, config.Mtu, 0, null);
        }
        TapPortStatus s = tap.GetStatus();
        string origin = s.Created ? "created by the switch; removed with the port" : "existing interface, attached; left in place";
        return new PortStatusReport(s.State, origin, null, s.Mtu, s.Queues, s.LastError)
        {
            Details =
            [
                new("interface", s.IfName),
                new("ifindex", s.IfIndex.ToString(CultureInfo.InvariantCulture)),
                new("interface origin", s.Created ? "created" : "attached"),
                new("namespace", s.OtherNamespace ? "moved to another network namespace" : "vswitchd's own"),
                new("flags", s.Flags),
                new("queues", s.Queues.ToString(CultureInfo.InvariantCulture)),
                new("vnet header", "12 bytes"),
                new("offloads", OffloadNames(s.Offloads)),
                new("super-frames", string.Create(CultureInfo.InvariantCulture, $"rx {s.RxSuperFrames}, tx {s.TxSuperFrames}")),
            ],
        };
    }

    /// <summary>The offloads by their TUNSETOFFLOAD names ("csum tso4 tso6 tso_ecn"), or "off".</summary>
    public static string OffloadNames(PortOffloads offloads) => PortOffloadsText.Names(offloads, ' ', "tso_ecn", "off");

    private static bool? ParseOffloads(string value) => value switch
    {
        "on" or "true" or "yes" => true,
        "off" or "false" or "no" => false,
        _ => null,
    };
}
