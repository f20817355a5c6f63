using Microsoft.Extensions.Logging;
using VSwitch.Control.Model;
using VSwitch.Control.Ports;
using VSwitch.Core.Ports;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;

namespace VSwitch.Control.Rpc.Handlers;

/// <summary>
/// add-port, del-port, set-port, show and list-ports. Each mutation validates everything first, then changes the
/// running switch, then writes the DB (undoing the running change if the write fails). Called by the dispatcher,
/// one request at a time.
/// </summary>
public sealed class PortHandlers
{
    private readonly ControlPlane _control;

    /// <summary>Creates the handlers over <paramref name="control"/>.</summary>
    public PortHandlers(ControlPlane control)
    {
        ArgumentNullException.ThrowIfNull(control);
        _control = control;
    }

    /// <summary>add-port NAME TYPE [settings].</summary>
    public PortInfo AddPort(AddPortParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (!PortName.IsValid(p.Name))
        {
            throw ControlException.Invalid($"'{p.Name}' is not a valid port name ({PortName.Rule})");
        }
        SwitchConfig config = _control.Config;
        if (config.FindPort(p.Name) is not null)
        {
            throw new ControlException(RpcErrorCodes.AlreadyExists, $"port name '{p.Name}' is already in use");
        }
        IPortType type = _control.PortTypes.Get(p.Type);
        PortSettings s = p.Settings ?? new PortSettings(null, null, null, null, null);
        var options = type.NormalizeOptions(p.Name, s.Options ?? [], _control.Context);
        var port = new PortConfig(p.Name, type.Type, OfPortAllocator.Allocate(config, s.OfPort, p.Name), CheckedTag(s.Tag),
            CheckedTrunks(s.Trunks), CheckedMtu(s.Mtu), options);
        CheckSocketFree(config, _control.PortTypes, type, port);
        CheckVlans(port);
        _control.Runtime.AddPort(port);
        try
        {
            _control.Commit(config.WithPort(port));
        }
        catch (ControlException)
        {
            _control.Runtime.RemovePort(port);
            throw;
        }
        _control.Logger.LogInformation("port {Port}: added ({Type}, ofport {OfPort})", port.Name, port.Type, port.OfPort);
        return Describe(port);
    }

    /// <summary>del-port NAME.</summary>
    public EmptyResult DelPort(PortNameParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        PortConfig port = _control.GetPort(p.Name);
        _control.Runtime.RemovePort(port);
        try
        {
            _control.Commit(_control.Config.WithoutPort(port.Name));
        }
        catch (ControlException)
        {
            _control.Runtime.AddPort(port);
            throw;
        }
        _control.Logger.LogInformation("port {Port}: deleted", port.Name);
        return EmptyResult.Instance;
    }

    /// <summary>set-port NAME [settings] [--clear KEY...].</summary>
    public PortInfo SetPort(SetPortParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        PortConfig old = _control.GetPort(p.Name);
        IPortType type = _control.PortTypes.Get(old.Type);
        PortSettings s = p.Settings ?? new PortSettings(null, null, null, null, null);
        var clear = new HashSet<string>(p.Clear ?? [], StringComparer.Ordinal);
        var options = new Dictionary<string, string>(old.Options, StringComparer.Ordinal);
        foreach (string key in clear)
        {
            if (key is not ("tag" or "trunks" or "mtu") && !options.Remove(key))
            {
                throw ControlException.Invalid($"port '{old.Name}' has no setting '{key}' to clear");
            }
        }
        foreach ((string key, string value) in s.Options ?? [])
        {
            options[key] = value;
        }
        var next = old with
        {
            OfPort = s.OfPort is null ? old.OfPort : OfPortAllocator.Allocate(_control.Config, s.OfPort, old.Name),
            Tag = clear.Contains("tag") ? null : s.Tag is null ? old.Tag : CheckedTag(s.Tag),
            Trunks = clear.Contains("trunks") ? null : s.Trunks is null ? old.Trunks : CheckedTrunks(s.Trunks),
            Mtu = clear.Contains("mtu") ? null : s.Mtu is null ? old.Mtu : CheckedMtu(s.Mtu),
            Options = type.NormalizeOptions(old.Name, options, _control.Context),
        };
        CheckSocketFree(_control.Config, _control.PortTypes, type, next);
        CheckVlans(next);
        if (IsUnchanged(old, next))
        {
            return Describe(old);
        }
        _control.Runtime.SetPort(old, next);
        try
        {
            _control.Commit(_control.Config.WithPort(next));
        }
        catch (ControlException)
        {
            _control.Runtime.SetPort(next, old);
            throw;
        }
        _control.Logger.LogInformation("port {Port}: settings changed", next.Name);
        return Describe(next);
    }

    /// <summary>show: the bridge, its ports by number, flow count and settings.</summary>
    public ShowResult Show()
    {
        SwitchConfig config = _control.Config;
        var ports = new List<PortInfo>(config.Ports.Length);
        foreach (PortConfig port in config.Ports.OrderBy(p => p.OfPort))
        {
            ports.Add(Describe(port));
        }
        return new ShowResult(config.Bridge, [.. ports], _control.Flows.Count, SettingsHandlers.Describe(config.Settings),
            ControllerHandlers.Describe(config, _control.Runtime.Controllers()));
    }

    /// <summary>list-ports: names, sorted.</summary>
    public ListPortsResult ListPorts() =>
        new([.. _control.Config.Ports.Select(p => p.Name).Order(StringComparer.Ordinal)]);

    /// <summary>The show entry of one port, with its live state.</summary>
    public PortInfo Describe(PortConfig port)
    {
        ArgumentNullException.ThrowIfNull(port);
        PortState state = _control.Runtime.GetPortState(port);
        string? socket = _control.PortTypes.Get(port.Type).SocketPath(port);
        return new PortInfo(port.Name, port.Type, port.OfPort, StateName(state), socket, port.Tag, port.Trunks, port.Mtu,
            new Dictionary<string, string>(port.Options, StringComparer.Ordinal));
    }

    /// <summary>The lower-case name users see for a state.</summary>
    public static string StateName(PortState state) => state switch
    {
        PortState.Down => "down",
        PortState.Waiting => "waiting",
        PortState.Negotiating => "negotiating",
        PortState.Up => "up",
        _ => "error",
    };

    private static void CheckSocketFree(SwitchConfig config, PortTypeRegistry types, IPortType type, PortConfig port)
    {
        string? socket = type.SocketPath(port);
        if (socket is null)
        {
            return;
        }
        foreach (PortConfig other in config.Ports)
        {
            if (!string.Equals(other.Name, port.Name, StringComparison.Ordinal)
                && types.TryGet(other.Type, out IPortType? otherType)
                && string.Equals(otherType.SocketPath(other), socket, StringComparison.Ordinal))
            {
                throw new ControlException(RpcErrorCodes.AlreadyExists, $"socket {socket} is already used by port '{other.Name}'");
            }
        }
    }

    private static bool IsUnchanged(PortConfig a, PortConfig b) =>
        a with { Options = b.Options } == b && a.Options.SequenceEqual(b.Options);

    private static void CheckVlans(PortConfig port)
    {
        if (port.Tag is not null && port.Trunks is not null)
        {
            throw ControlException.Invalid($"port '{port.Name}' cannot have both a tag (access port) and trunks (trunk port)");
        }
    }

    private static int? CheckedTag(int? tag) =>
        tag is null or (>= 1 and <= VlanList.MaxVlan) ? tag : throw ControlException.Invalid($"tag {tag} is outside 1..{VlanList.MaxVlan}");

    private static string? CheckedTrunks(string? trunks)
    {
        if (trunks is null)
        {
            return null;
        }
        return VlanList.TryNormalize(trunks, out string normal, out string? error) ? normal : throw ControlException.Invalid($"trunks: {error}");
    }

    private static int? CheckedMtu(int? mtu) =>
        mtu is null or (>= PortConfig.MinMtu and <= PortConfig.MaxMtu)
            ? mtu
            : throw ControlException.Invalid($"mtu {mtu} is outside {PortConfig.MinMtu}..{PortConfig.MaxMtu}");
}
