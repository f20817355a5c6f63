using System.Net.Sockets;
using VSwitch.Native;
using VSwitch.Rpc;

namespace VSwitch.Cli;

/// <summary>
/// Turns "permission denied" on the control socket into what to do about it. Access to vswitchd is granted by group:
/// the installed service runs with the group <c>vswitch</c>, so its run directory (0750) and sockets (0660) belong to
/// that group. The group named in the advice is read from the socket itself, or from the nearest directory above it
/// that can be examined when the directory is what keeps the user out, so it is right for any group the daemon runs with.
/// </summary>
internal static class SocketAccess
{
    /// <summary>The message for a failed connection: the exception's own, or for EACCES, the group to join.</summary>
    public static string Explain(RpcConnectException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.InnerException is not SocketException { SocketErrorCode: SocketError.AccessDenied })
        {
            return e.Message;
        }
        string socket = e.SocketPath;
        string? path = socket;
        uint gid = 0;
        UnixFileMode mode = 0;
        while (path is not null && !FileStatus.TryGetOwnership(path, out _, out gid, out mode))
        {
            path = Path.GetDirectoryName(path);
        }
        if (path is null || gid == 0 || (path == socket && (mode & UnixFileMode.GroupWrite) == 0))
        {
            return $"permission denied on {socket}: run as root, or start vswitchd with a group for its sockets (the vswitchd service uses group vswitch)";
        }
        string group = FileStatus.GroupName(gid) ?? gid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string where = path == socket ? "" : $" (its directory {path} belongs to group {group})";
        return $"permission denied on {socket}{where}: add yourself to group {group} (usermod -aG {group} {Environment.UserName}) and log in again, or run as root";
    }
}
