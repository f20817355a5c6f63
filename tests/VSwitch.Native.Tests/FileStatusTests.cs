using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using Xunit;

namespace VSwitch.Native.Tests;

[SupportedOSPlatform("linux")]
public sealed class FileStatusTests
{
    [Fact]
    public void Ownership_and_mode_of_a_path_match_what_the_file_system_reports()
    {
        string path = Path.Combine(Path.GetTempPath(), $"vswitch-native-{Environment.ProcessId}-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, [1]);
        try
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            Assert.True(FileStatus.TryGetOwnership(path, out uint uid, out uint gid, out UnixFileMode mode));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, mode);
            // A file we just created belongs to our effective uid and gid, which /proc/self/status lists.
            string[] status = File.ReadAllLines("/proc/self/status");
            Assert.Equal(Field(status, "Uid:", 1), uid);
            Assert.Equal(Field(status, "Gid:", 1), gid);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_missing_path_has_no_ownership()
    {
        Assert.False(FileStatus.TryGetOwnership("/nonexistent/vswitch-native", out _, out _, out _));
    }

    [Fact]
    public void Device_and_inode_of_an_fd_are_what_stat_prints_for_its_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"vswitch-native-{Environment.ProcessId}-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, [1]);
        try
        {
            using FileStream stream = File.OpenRead(path);
            int fd = (int)stream.SafeFileHandle.DangerousGetHandle();
            Assert.True(FileStatus.TryGetDeviceAndInode(fd, out ulong device, out ulong inode));
            // stat(1) prints st_dev as glibc encodes it, the form systemd writes into $JOURNAL_STREAM.
            using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%d:%i", path]) { RedirectStandardOutput = true })!;
            string expected = stat.StandardOutput.ReadToEnd().Trim();
            Assert.True(stat.WaitForExit(30_000));
            Assert.Equal(expected, $"{device}:{inode}");
        }
        finally
        {
            File.Delete(path);
        }
        Assert.False(FileStatus.TryGetDeviceAndInode(-1, out _, out _));
    }

    [Fact]
    public void Group_zero_is_root_and_an_unused_gid_has_no_name()
    {
        Assert.Equal("root", FileStatus.GroupName(0));
        Assert.Null(FileStatus.GroupName(4_000_000_000));
    }

    private static uint Field(string[] lines, string key, int index) =>
        uint.Parse(lines.First(l => l.StartsWith(key, StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[index], CultureInfo.InvariantCulture);
}
