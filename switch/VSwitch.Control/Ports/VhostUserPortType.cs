using System.Collections.Immutable;
using VSwitch.Control.Model;
using VSwitch.Core.Ports;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;

namespace VSwitch.Control.Ports;

/// <summary>
/// The option rules of the two vhost-user port types, shared by every implementation of them:
/// <c>vhostuser</c> (the switch listens; <c>socket</c> defaults to <c>RUN_DIR/NAME.sock</c>; <c>socket-mode</c>
/// (default 0660), <c>socket-owner</c>, <c>socket-group</c>) and <c>vhostuserclient</c> (the switch connects;
/// <c>socket</c> required). The composition root derives from it to create the real ports.
/// Control thread only.
/// </summary>
public abstract class VhostUserPortType : IPortType
{
    /// <summary>Type name of the server-mode port.</summary>
    public const string ServerType = "vhostuser";

    /// <summary>Type name of the client-mode port.</summary>
    public const string ClientType = "vhostuserclient";

    private static readonly string[] s_serverKeys =
        [VhostUserOptions.Socket, VhostUserOptions.SocketMode, VhostUserOptions.SocketOwner, VhostUserOptions.SocketGroup];

    private static readonly string[] s_clientKeys = [VhostUserOptions.Socket];

    /// <summary>Creates the rules for server mode, or client mode when <paramref name="clientMode"/>.</summary>
    protected VhostUserPortType(bool clientMode)
    {
        ClientMode = clientMode;
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
        string[] known = ClientMode ? s_clientKeys : s_serverKeys;
        var result = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach ((string key, string value) in options)
        {
            if (Array.IndexOf(known, key) < 0)
            {
                throw ControlException.Invalid($"port type {Type} has no option '{key}' (known: {string.Join(", ", known)})");
            }
            result[key] = value;
        }
        if (!result.TryGetValue(VhostUserOptions.Socket, out string? socket))
        {
            if (ClientMode)
            {
                throw ControlException.Invalid($"port type {Type} needs the socket option (--socket PATH)");
            }
            socket = Path.Combine(context.RunDirectory, portName + ".sock");
        }
        result[VhostUserOptions.Socket] = CheckedSocket(socket);
        if (!ClientMode)
        {
            result[VhostUserOptions.SocketMode] = CheckedMode(result.GetValueOrDefault(VhostUserOptions.SocketMode));
            CheckIdentity(result, VhostUserOptions.SocketOwner, SocketPermissions.ResolveUser, "user");
            CheckIdentity(result, VhostUserOptions.SocketGroup, SocketPermissions.ResolveGroup, "group");
        }
        return result.ToImmutable();
    }

    /// <inheritdoc/>
    public string? SocketPath(PortConfig port) => port?.Option(VhostUserOptions.Socket);

    /// <inheritdoc/>
    public abstract IPort Create(PortConfig port);

    /// <inheritdoc/>
    public abstract PortStatusResult Describe(IPort port, PortConfig config);

    private static string CheckedSocket(string socket)
    {
        string? problem = VhostUserOptions.CheckSocketPath(socket);
        return problem is null ? socket : throw ControlException.Invalid(problem);
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
}
