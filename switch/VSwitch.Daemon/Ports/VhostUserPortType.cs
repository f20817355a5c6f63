using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using VSwitch.Control;
using VSwitch.Control.Model;
using VSwitch.Control.Ports;
using VSwitch.Control.Runtime;
using VSwitch.Core.Ports;
using VSwitch.Rpc;
using VSwitch.VhostUser;

namespace VSwitch.Daemon.Ports;

/// <summary>
/// The two vhost-user port types, all of each in this one place: <c>vhostuser</c> (the switch listens; <c>socket</c>
/// defaults to <c>RUN_DIR/NAME.sock</c>; <c>socket-mode</c> (default 0660), <c>socket-owner</c>, <c>socket-group</c>)
/// and <c>vhostuserclient</c> (the switch connects and reconnects; <c>socket</c> required). Both take <c>offloads</c>
/// (<c>on</c>, the default, or <c>off</c>): whether the guest is offered checksum and TCP segmentation offload. It checks the options,
/// creates and starts the <see cref="VhostUserPort"/>s and describes them for port-status. A port logs its own events
/// (connect, features, disconnect, broken ring) with its name. Control thread only.
/// </summary>
public sealed class VhostUserPortType : IPortType
{
    /// <summary>Type name of the server-mode port.</summary>
    public const string ServerType = "vhostuser";

    /// <summary>Type name of the client-mode port.</summary>
    public const string ClientType = "vhostuserclient";

    /// <summary>Option key of the socket path.</summary>
    public const string Socket = "socket";

    /// <summary>Option key of the socket's octal mode (server mode only).</summary>
    public const string SocketMode = "socket-mode";

    /// <summary>Option key of the socket's owner (server mode only).</summary>
    public const string SocketOwner = "socket-owner";

    /// <summary>Option key of the socket's group (server mode only).</summary>
    public const string SocketGroup = "socket-group";

    /// <summary>Option key of the offload switch: <c>on</c> (default) or <c>off</c>.</summary>
    public const string Offloads = "offloads";

    /// <summary>Longest socket path: sockaddr_un.sun_path holds 108 bytes including the terminating NUL (unix(7)).</summary>
    public const int MaxSocketPathBytes = 107;

    private static readonly string[] s_serverKeys = [Socket, SocketMode, SocketOwner, SocketGroup, Offloads];

    private static readonly string[] s_clientKeys = [Socket, Offloads];

    private readonly ILoggerFactory _loggers;

    /// <summary>The server-mode type, or the client-mode one when <paramref name="clientMode"/>; ports log through <paramref name="loggers"/>.</summary>
    public VhostUserPortType(bool clientMode, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        ClientMode = clientMode;
        _loggers = loggers;
    }

    /// <summary>True for <c>vhostuserclient</c>.</summary>
    public bool ClientMode { get; }

    /// <inheritdoc/>
    public string Type => ClientMode ? ClientType : ServerType;

    /// <inheritdoc/>
    public string Description => ClientMode
        ? "vhost-user, the switch connects to a socket QEMU listens on and reconnects when it goes away"
        : "vhost-user, the switch listens on a socket QEMU connects to";

    /// <inheritdoc/>
    public ImmutableSortedDictionary<string, string> NormalizeOptions(string portName, IReadOnlyDictionary<string, string> options,
        PortTypeContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        var result = PortOptions.CopyKnown(Type, options, ClientMode ? s_clientKeys : s_serverKeys);
        if (!result.TryGetValue(Socket, out string? socket))
        {
            if (ClientMode)
            {
                throw ControlException.Invalid($"port type {Type} needs the socket option (--socket PATH)");
            }
            socket = Path.Combine(context.RunDirectory, portName + ".sock");
        }
        result[Socket] = CheckSocketPath(socket) is string problem ? throw ControlException.Invalid(problem) : socket;
        if (result.TryGetValue(Offloads, out string? offloads))
        {
            result[Offloads] = ParseOnOff(offloads) ? "on" : "off";
        }
        if (!ClientMode)
        {
            result[SocketMode] = CheckedMode(result.GetValueOrDefault(SocketMode));
            CheckIdentity(result, SocketOwner, SocketPermissions.ResolveUser, "user");
            CheckIdentity(result, SocketGroup, SocketPermissions.ResolveGroup, "group");
        }
        return result.ToImmutable();
    }

    /// <inheritdoc/>
    public string? SocketPath(PortConfig port) => port?.Option(Socket);

    /// <inheritdoc/>
    public IPort Create(PortConfig port)
    {
        ArgumentNullException.ThrowIfNull(port);
        string socket = port.Option(Socket) ?? throw ControlException.Invalid($"port '{port.Name}' has no socket option");
        UnixFileMode mode = SocketPermissions.Default.Mode;
        if (port.Option(SocketMode) is string m && !SocketPermissions.TryParseMode(m, out mode))
        {
            throw ControlException.Invalid($"port '{port.Name}' has an invalid socket mode '{m}'");
        }
        var options = new VhostUserPortOptions
        {
            Name = port.Name,
            SocketPath = socket,
            Mode = ClientMode ? VhostUserMode.Client : VhostUserMode.Server,
            SocketMode = mode,
            SocketOwner = Resolve(port.Option(SocketOwner), SocketPermissions.ResolveUser, "user"),
            SocketGroup = Resolve(port.Option(SocketGroup), SocketPermissions.ResolveGroup, "group"),
            Mtu = port.Mtu,
            Offloads = port.Option(Offloads) is not string offloads || ParseOnOff(offloads),
        };
        VhostUserPort created;
        try
        {
            created = VhostUserPort.Create(options, new PortId((ushort)port.OfPort), _loggers.CreateLogger("vhost-user"));
        }
        catch (ArgumentException e)
        {
            throw ControlException.Invalid($"port '{port.Name}': {e.Message}");
        }
        created.Start();
        return created;
    }

    /// <inheritdoc/>
    public PortStatusReport Describe(IPort port, PortConfig config)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(config);
        if (port is not VhostUserPort vhost)
        {
            return new PortStatusReport(port.State, null, SocketPath(config), config.Mtu, 0, null);
        }
        VhostUserPortStatus s = vhost.GetStatus();
        var rings = new VringStatus[s.Rings.Count];
        for (int i = 0; i < rings.Length; i++)
        {
            VhostUserRingStatus r = s.Rings[i];
            rings[i] = new VringStatus(r.Index, r.Size, r.Enabled, r.Running, r.NextAvail, r.NextUsed, r.BrokenReason)
            {
                LastSetBase = r.LastSetBase,
                LastGetBase = r.LastGetBase,
            };
        }
        return new PortStatusReport(s.State, Connection(s), s.SocketPath, s.Mtu, s.QueuePairs, s.LastError)
        {
            VirtioFeatures = [.. s.AckedFeatures],
            ProtocolFeatures = [.. s.AckedProtocolFeatures],
            Vrings = rings,
            Details = [.. OffloadDetails(s), .. MemoryDetails(s), .. MigrationDetails(s)],
        };
    }

    /// <summary>
    /// Whether offloads are offered, and once the guest acked its features, what it may leave to the switch (from the
    /// guest) and what the switch may leave to it (to the guest).
    /// </summary>
    private static IEnumerable<KeyValuePair<string, string>> OffloadDetails(VhostUserPortStatus s)
    {
        yield return new("offloads", s.OffloadsOffered ? "offered" : "off");
        if (s.AckedFeatures.Count > 0)
        {
            yield return new("offloads from guest", OffloadNames(s.RxOffloads));
            yield return new("offloads to guest", OffloadNames(s.TxOffloads));
        }
    }

    private static string OffloadNames(PortOffloads offloads) => PortOffloadsText.Names(offloads, ',', "ecn", "none");

    private static bool ParseOnOff(string value)
    {
        if (string.Equals(value, "on", StringComparison.OrdinalIgnoreCase) || string.Equals(value, "true", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        if (string.Equals(value, "off", StringComparison.OrdinalIgnoreCase) || string.Equals(value, "false", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        throw ControlException.Invalid($"offloads '{value}' is neither on nor off");
    }

    /// <summary>
    /// One line per guest memory region (where, how large, what file and whether it is sealed against shrinking), and
    /// the rings whose guest notifications failed (call eventfd counter full or broken), if any.
    /// </summary>
    private static IEnumerable<KeyValuePair<string, string>> MemoryDetails(VhostUserPortStatus s)
    {
        foreach (VhostUserRegionStatus r in s.Regions)
        {
            yield return new(string.Create(CultureInfo.InvariantCulture, $"memory region {r.Index}"), string.Create(CultureInfo.InvariantCulture,
                $"guest 0x{r.GuestAddress:x}, {r.Size} bytes, {r.Backing}, {(r.ShrinkSealed ? "sealed against shrinking" : "not sealed")}"));
        }
        var failures = s.Rings.Where(r => r.CallFailures != 0).Select(r => string.Create(CultureInfo.InvariantCulture, $"ring {r.Index}: {r.CallFailures}")).ToList();
        if (failures.Count > 0)
        {
            yield return new("failed guest notifications", string.Join(", ", failures));
        }
    }

    /// <summary>
    /// Live migration: whether dirty logging runs, the log's size, pages marked and pages beyond the log; SEND_RARP
    /// requests, the RARP announcements sent into the switch for them, and the MAC of the last request. Always present,
    /// so that scripts find the keys before a migration too. (Ring bases are columns of the ring table.)
    /// </summary>
    private static IEnumerable<KeyValuePair<string, string>> MigrationDetails(VhostUserPortStatus s)
    {
        yield return new("dirty logging", s.DirtyLogging ? "on" : "off");
        yield return new("dirty log bytes", s.DirtyLogBytes.ToString(CultureInfo.InvariantCulture));
        yield return new("dirty pages marked", s.DirtyPagesMarked.ToString(CultureInfo.InvariantCulture));
        yield return new("dirty pages beyond log", s.DirtyPagesBeyondLog.ToString(CultureInfo.InvariantCulture));
        yield return new("rarp requested", s.RarpRequested.ToString(CultureInfo.InvariantCulture));
        yield return new("rarp sent", s.RarpSent.ToString(CultureInfo.InvariantCulture));
        yield return new("rarp mac", s.RarpMac?.ToString() ?? "-");
    }

    /// <summary>Null when <paramref name="path"/> can be a socket path, else why not.</summary>
    public static string? CheckSocketPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!Path.IsPathFullyQualified(path))
        {
            return $"socket path '{path}' is not absolute";
        }
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            return "socket path contains a NUL character";
        }
        if (Encoding.UTF8.GetByteCount(path) > MaxSocketPathBytes)
        {
            return $"socket path '{path}' is longer than {MaxSocketPathBytes} bytes";
        }
        return path.EndsWith('/') ? $"socket path '{path}' names a directory" : null;
    }

    private static string Connection(VhostUserPortStatus s)
    {
        string connects = s.ConnectCount.ToString(CultureInfo.InvariantCulture);
        return (s.Mode, s.State) switch
        {
            (_, PortState.Down) => "stopped",
            (VhostUserMode.Server, PortState.Waiting or PortState.Error) => $"listening (connections so far: {connects})",
            (VhostUserMode.Client, PortState.Waiting or PortState.Error) => $"reconnecting (connections so far: {connects})",
            _ => $"connected (connections so far: {connects})",
        };
    }

    private static string CheckedMode(string? text)
    {
        if (text is null)
        {
            return SocketPermissions.FormatMode(SocketPermissions.Default.Mode);
        }
        return SocketPermissions.TryParseMode(text, out UnixFileMode mode)
            ? SocketPermissions.FormatMode(mode)
            : throw ControlException.Invalid($"socket-mode '{text}' is not an octal mode such as 0660");
    }

    private static void CheckIdentity(ImmutableSortedDictionary<string, string>.Builder options, string key,
        Func<string, int?> resolve, string what)
    {
        if (options.TryGetValue(key, out string? value) && resolve(value) is null)
        {
            throw new ControlException(RpcErrorCodes.NotFound, $"{key}: no such {what} '{value}'");
        }
    }

    private static int Resolve(string? name, Func<string, int?> resolve, string what)
    {
        if (name is null)
        {
            return -1;
        }
        return resolve(name) ?? throw new ControlException(RpcErrorCodes.NotFound, $"no such {what} '{name}'");
    }
}
