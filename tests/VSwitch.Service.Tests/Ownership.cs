using Mono.Unix;

namespace VSwitch.Service.Tests;

/// <summary>Owner, group and mode of a path as <c>ls -l</c> would show them: "root:vswitch 0660". Symbolic links followed.</summary>
public static class Ownership
{
    public static string Of(string path)
    {
        var info = new UnixFileInfo(path);
        return $"{info.OwnerUser.UserName}:{info.OwnerGroup.GroupName} {Mode(File.GetUnixFileMode(path))}";
    }

    /// <summary>Four octal digits, with setuid/setgid/sticky: 0750, 2770.</summary>
    public static string Mode(UnixFileMode mode) => Convert.ToString((int)mode & 0xfff, 8).PadLeft(4, '0');
}
