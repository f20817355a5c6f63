using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Service.Tests;

/// <summary>
/// scripts/install.sh itself, in a tree of its own: the layout it promises, a second run that changes nothing, the
/// unit as systemd-analyze verify sees it, the uninstall (twice) and the purge.
/// </summary>
public sealed class InstallScriptTests(InstallFixture install, ITestOutputHelper output)
{
    [Fact]
    public void InstallingTwiceGivesTheSameTreeAndUninstallAndPurgeLeaveNothing()
    {
        InstallFixture.RequireTools();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using InstalledTree tree = InstalledTree.Install();
        output.WriteLine($"install: {clock.Elapsed.TotalSeconds:F0} s\n{tree.InstallOutput}");
        SortedDictionary<string, string> first = tree.Snapshot();

        Assert.Equal("-> ../lib/vswitch/vswitchd", first["bin/vswitchd"]);
        Assert.Equal("-> ../lib/vswitch/vswitchctl", first["bin/vswitchctl"]);
        Assert.EndsWith(" 0755", first["lib/vswitch/vswitchd"], StringComparison.Ordinal);
        Assert.EndsWith(" 0644", first["lib/vswitch/vswitchd.dll"], StringComparison.Ordinal);
        Assert.EndsWith(" 0644", first["lib/systemd/system/vswitchd.service"], StringComparison.Ordinal);
        Assert.Contains("lib/tmpfiles.d/vswitch.conf", first.Keys);
        Assert.Contains("share/bash-completion/completions/vswitchctl", first.Keys);
        Assert.DoesNotContain(first.Keys, k => k.EndsWith(".xml", StringComparison.Ordinal));
        Assert.Contains($"ExecStart={tree.Vswitchd} ", File.ReadAllText(tree.UnitFile), StringComparison.Ordinal);
        Assert.Contains($"Group={tree.Group}\n", File.ReadAllText(tree.UnitFile), StringComparison.Ordinal);
        Assert.Contains($"d /run/vswitch/qemu 2770 root {tree.Group} -", File.ReadAllText(tree.TmpfilesFile), StringComparison.Ordinal);
        Assert.Equal(0, Command.Run("getent", ["group", tree.Group]).ExitCode);
        if (Command.Run("id", ["libvirt-qemu"]).ExitCode == 0)
        {
            Assert.Contains(tree.Group, Command.Check("id", "-nG", "libvirt-qemu").Split(' ', '\n'));
        }
        // The installed programs start from the links, with systemd's empty environment.
        CommandResult version = Command.Run(tree.Vswitchd, ["--version"], cleanEnvironment: true);
        Assert.True(version.ExitCode == 0, version.ToString());

        clock.Restart();
        CommandResult again = tree.RunScript();
        output.WriteLine($"second install: {clock.Elapsed.TotalSeconds:F0} s\n{again.Stdout}");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains($"group {tree.Group} exists", again.Stdout, StringComparison.Ordinal);
        Assert.Equal(first, tree.Snapshot());

        CommandResult removed = tree.RunScript("--uninstall");
        Assert.True(removed.ExitCode == 0, removed.ToString());
        Assert.Empty(tree.Snapshot());
        Assert.Equal(0, Command.Run("getent", ["group", tree.Group]).ExitCode);
        CommandResult removedAgain = tree.RunScript("--uninstall");
        Assert.True(removedAgain.ExitCode == 0, removedAgain.ToString());

        CommandResult purged = tree.RunScript("--uninstall", "--purge");
        Assert.True(purged.ExitCode == 0, purged.ToString());
        Assert.Equal(2, Command.Run("getent", ["group", tree.Group]).ExitCode);
    }

    [Fact]
    public void TheInstalledUnitPassesSystemdAnalyzeVerify()
    {
        InstalledTree tree = install.Require();
        Prerequisite.Require(Prerequisite.FindOnPath("systemd-analyze") is not null, "systemd-analyze not installed (Debian package systemd)");
        // verify reads the unit offline (no systemd needed), checks every key and value and that ExecStart is executable;
        // it reports problems as warnings with exit code 0, so any output is a failure.
        CommandResult r = Command.Run("systemd-analyze", ["verify", tree.UnitFile]);
        output.WriteLine(r.ToString());
        Assert.True(r.ExitCode == 0 && r.Stdout.Trim().Length == 0 && r.Stderr.Trim().Length == 0, r.ToString());

        // The same unit with one misspelt value and one unknown key: verify must say so, even without a running systemd.
        string broken = Path.Combine(tree.Root, "vswitchd-broken.service");
        File.WriteAllText(broken, File.ReadAllText(tree.UnitFile).Replace("Type=notify", "Type=notifyy\nRestartSecs=2", StringComparison.Ordinal));
        try
        {
            CommandResult b = Command.Run("systemd-analyze", ["verify", broken]);
            Assert.Contains("Failed to parse service type", b.Stderr, StringComparison.Ordinal);
            Assert.Contains("Unknown key 'RestartSecs'", b.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(broken);
        }
    }

    [Fact]
    public void AnUnknownArgumentIsRefusedWithTheUsage()
    {
        InstallFixture.RequireTools();
        CommandResult r = Command.Run("bash", [InstalledTree.Script, "--prefixx", "/tmp/nowhere"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown argument '--prefixx'", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("scripts/install.sh --uninstall", r.Stderr, StringComparison.Ordinal);
    }
}
