using System.Globalization;
using VSwitch.Native;

namespace VSwitch.Daemon.Systemd;

/// <summary>
/// Whether standard output is connected to the systemd journal. systemd sets <c>$JOURNAL_STREAM</c> to the device and
/// inode numbers (<c>DEV:INO</c>, decimal) of the stream it connected a service's output to; a process whose output
/// still is that stream may write journal priorities as <c>&lt;N&gt;</c> line prefixes (sd-daemon(3)). Comparing the
/// numbers, not only checking the variable, keeps a child whose output was redirected from writing prefixes into a
/// pipe or a file. Pure apart from one statx(2) on the descriptor.
/// </summary>
internal static class JournalStream
{
    /// <summary>The variable systemd sets when it connects stdout or stderr to the journal.</summary>
    public const string Variable = "JOURNAL_STREAM";

    /// <summary>True when file descriptor 1 is the stream named by <c>$JOURNAL_STREAM</c>.</summary>
    public static bool IsStandardOutput() => Matches(Environment.GetEnvironmentVariable(Variable), 1);

    /// <summary>True when <paramref name="value"/> names the device and inode of <paramref name="fd"/>.</summary>
    public static bool Matches(string? value, int fd)
    {
        if (!TryParse(value, out ulong device, out ulong inode))
        {
            return false;
        }
        return FileStatus.TryGetDeviceAndInode(fd, out ulong actualDevice, out ulong actualInode) && device == actualDevice && inode == actualInode;
    }

    /// <summary>Parses <c>DEV:INO</c>.</summary>
    public static bool TryParse(string? value, out ulong device, out ulong inode)
    {
        device = 0;
        inode = 0;
        int colon = value?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        return colon > 0
            && ulong.TryParse(value.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out device)
            && ulong.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out inode);
    }
}
