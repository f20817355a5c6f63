using System.Text;
using VSwitch.Control.Model;

namespace VSwitch.Control.Ports;

/// <summary>
/// The type-specific options of a vhost-user port, read from a stored <see cref="PortConfig"/>. Immutable.
/// </summary>
/// <param name="SocketPath">Absolute path of the unix socket.</param>
/// <param name="ClientMode">True for <c>vhostuserclient</c>: the switch connects (and reconnects) to a socket QEMU listens on.</param>
/// <param name="Permissions">Mode and ownership of the socket in server mode.</param>
public sealed record VhostUserOptions(string SocketPath, bool ClientMode, SocketPermissions Permissions)
{
    /// <summary>Option key of the socket path.</summary>
    public const string Socket = "socket";

    /// <summary>Option key of the socket's octal mode (server mode only).</summary>
    public const string SocketMode = "socket-mode";

    /// <summary>Option key of the socket's owner (server mode only).</summary>
    public const string SocketOwner = "socket-owner";

    /// <summary>Option key of the socket's group (server mode only).</summary>
    public const string SocketGroup = "socket-group";

    /// <summary>Longest socket path: sockaddr_un.sun_path holds 108 bytes including the terminating NUL (unix(7)).</summary>
    public const int MaxSocketPathBytes = 107;

    /// <summary>Reads the options of a port whose options were normalised by <see cref="VhostUserPortType"/>.</summary>
    public static VhostUserOptions From(PortConfig port, bool clientMode)
    {
        ArgumentNullException.ThrowIfNull(port);
        string socket = port.Option(Socket) ?? throw new ArgumentException($"port '{port.Name}' has no socket option", nameof(port));
        UnixFileMode mode = SocketPermissions.Default.Mode;
        if (port.Option(SocketMode) is string m && !SocketPermissions.TryParseMode(m, out mode))
        {
            throw new ArgumentException($"port '{port.Name}' has an invalid socket mode '{m}'", nameof(port));
        }
        return new VhostUserOptions(socket, clientMode, new SocketPermissions(mode, port.Option(SocketOwner), port.Option(SocketGroup)));
    }

    /// <summary>Null when <paramref name="path"/> can be a socket path, else why not.</summary>
    public static string? CheckSocketPath(string path)
    {
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
}
