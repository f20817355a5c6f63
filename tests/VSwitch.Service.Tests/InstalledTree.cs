using VSwitch.TestKit.Guests;
using Xunit;

namespace VSwitch.Service.Tests;

/// <summary>
/// vswitchd and vswitchctl installed by <c>scripts/install.sh</c> into a private tree (PREFIX = ROOT/usr) with a
/// group of its own, so the test neither touches /usr nor meets a real installation. The group is a real system
/// group (groupadd): systemd needs a real one too. Dispose runs <c>--uninstall --purge</c> (which removes the group
/// and with it libvirt-qemu's membership) and deletes the tree.
/// </summary>
public sealed class InstalledTree : IDisposable
{
    private static readonly TimeSpan s_scriptTimeout = TimeSpan.FromMinutes(10);
    private bool _disposed;

    private InstalledTree(string root, string group)
    {
        Root = root;
        Group = group;
    }

    /// <summary>The tree's root: world-readable, so that non-root users and QEMU reach what lies below it.</summary>
    public string Root { get; }

    /// <summary>The install prefix, ROOT/usr.</summary>
    public string Prefix => Path.Combine(Root, "usr");

    /// <summary>The socket group.</summary>
    public string Group { get; }

    public string Vswitchd => Path.Combine(Prefix, "bin", "vswitchd");

    public string Vswitchctl => Path.Combine(Prefix, "bin", "vswitchctl");

    public string UnitFile => Path.Combine(Prefix, "lib", "systemd", "system", "vswitchd.service");

    public string TmpfilesFile => Path.Combine(Prefix, "lib", "tmpfiles.d", "vswitch.conf");

    public string CompletionFile => Path.Combine(Prefix, "share", "bash-completion", "completions", "vswitchctl");

    /// <summary>scripts/install.sh in the repository.</summary>
    public static string Script => Path.Combine(GuestKit.RepositoryRoot, "scripts", "install.sh");

    /// <summary>The output of the install.</summary>
    public string InstallOutput { get; private set; } = "";

    /// <summary>Installs into a new tree with a new group; fails the test with the script's output if it fails.</summary>
    public static InstalledTree Install()
    {
        var root = Directory.CreateTempSubdirectory("vswt");
        File.SetUnixFileMode(root.FullName, (UnixFileMode)0x1ed); // 0755
        var tree = new InstalledTree(root.FullName, Command.UniqueName("vswt"));
        CommandResult r = tree.RunScript();
        Assert.True(r.ExitCode == 0, "scripts/install.sh failed: " + r);
        tree.InstallOutput = r.Stdout;
        return tree;
    }

    /// <summary>Runs scripts/install.sh with this tree's --prefix and --group and <paramref name="args"/>.</summary>
    public CommandResult RunScript(params string[] args) =>
        // The test host's MSBuild variables would steer the script's own dotnet publish; it gets a plain environment.
        Command.Run("bash", [Script, "--prefix", Prefix, "--group", Group, .. args], s_scriptTimeout,
            new Dictionary<string, string?>
            {
                ["HOME"] = Environment.GetEnvironmentVariable("HOME") ?? "/root",
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
                ["DOTNET_NOLOGO"] = "1",
                ["NUGET_PACKAGES"] = Environment.GetEnvironmentVariable("NUGET_PACKAGES"),
            }.Where(kv => kv.Value is not null).ToDictionary(), cleanEnvironment: true);

    /// <summary>Runs the installed vswitchctl against <paramref name="runDir"/>, as root or as <paramref name="user"/>.</summary>
    public CommandResult Ctl(string runDir, string[] args, string? user = null)
    {
        string[] command = [Vswitchctl, "--run-dir", runDir, .. args];
        return user is null
            ? Command.Run(command[0], command[1..], cleanEnvironment: true)
            : Command.Run("setpriv", ["--reuid", user, "--regid", PrimaryGroup(user), "--init-groups", "--", .. command],
                cleanEnvironment: true, environment: new Dictionary<string, string?> { ["HOME"] = "/", ["USER"] = user });
    }

    /// <summary>Every file and link below the prefix with its content hash or link target, for comparing two installs.</summary>
    public SortedDictionary<string, string> Snapshot()
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(Prefix))
        {
            return files;
        }
        foreach (string path in Directory.EnumerateFileSystemEntries(Prefix, "*", SearchOption.AllDirectories))
        {
            var info = new FileInfo(path);
            string relative = Path.GetRelativePath(Prefix, path);
            if (info.LinkTarget is string target)
            {
                files[relative] = "-> " + target;
            }
            else if (!Directory.Exists(path))
            {
                files[relative] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)))
                    + " " + Ownership.Mode(File.GetUnixFileMode(path));
            }
        }
        return files;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        try
        {
            RunScript("--uninstall", "--purge");
        }
        finally
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    private static string PrimaryGroup(string user) => Command.Check("id", "-gn", user).Trim();
}
