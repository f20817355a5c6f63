using System.Globalization;
using VSwitch.Control.Interop;

namespace VSwitch.Control;

/// <summary>
/// Who may connect to a unix socket the switch listens on (the control socket, server-mode vhost-user
/// sockets): its mode bits and, optionally, owner and group. Default mode 0660, so only the owner and its
/// group can drive the switch or attach a VM. Immutable and thread-safe.
/// </summary>
/// <param name="Mode">Permission bits.</param>
/// <param name="Owner">User name or numeric uid, or null to keep the creating user.</param>
/// <param name="Group">Group name or numeric gid, or null to keep the creating group.</param>
public sealed record SocketPermissions(UnixFileMode Mode, string? Owner, string? Group)
{
    /// <summary>Mode 0660, owner and group unchanged.</summary>
    public static SocketPermissions Default { get; } =
        new(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, null, null);

    /// <summary>Parses an octal mode such as <c>0660</c> or <c>660</c> (permission bits only).</summary>
    public static bool TryParseMode(string text, out UnixFileMode mode)
    {
        mode = 0;
        if (string.IsNullOrEmpty(text) || text.Length > 4)
        {
            return false;
        }
        int value = 0;
        foreach (char c in text)
        {
            if (c is < '0' or > '7')
            {
                return false;
            }
            value = (value * 8) + (c - '0');
        }
        if (value > 0x1ff)
        {
            return false;
        }
        mode = (UnixFileMode)value;
        return true;
    }

    /// <summary>Formats a mode as four octal digits, e.g. <c>0660</c>.</summary>
    public static string FormatMode(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0x1ff, 8).PadLeft(3, '0');

    /// <summary>Resolves a user name or numeric uid; null when unknown.</summary>
    public static int? ResolveUser(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int id) ? id : Posix.UserId(text);

    /// <summary>Resolves a group name or numeric gid; null when unknown.</summary>
    public static int? ResolveGroup(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int id) ? id : Posix.GroupId(text);

    /// <summary>
    /// Applies the mode, then the owner and group, to <paramref name="path"/>. Call it after bind and before
    /// listen, so that nobody can connect while the socket still has the umask's mode.
    /// </summary>
    /// <exception cref="IOException">A name does not resolve or the OS refused.</exception>
    public void Apply(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("unix socket permissions need a Unix system");
        }
        File.SetUnixFileMode(path, Mode);
        if (Owner is null && Group is null)
        {
            return;
        }
        int uid = Owner is null ? -1 : ResolveUser(Owner) ?? throw new IOException($"no such user '{Owner}'");
        int gid = Group is null ? -1 : ResolveGroup(Group) ?? throw new IOException($"no such group '{Group}'");
        Posix.Chown(path, uid, gid);
    }
}
