using System.Diagnostics;
using System.Text.Json;
using VSwitch.TestKit.Guests;
using Xunit;

namespace VSwitch.Service.Tests;

/// <summary>
/// The installed vswitchd started as its unit says (<see cref="ServiceProcess"/>): readiness, journal output,
/// reload, stop and restart; the permissions of what it creates; vswitchctl for operators in and out of the group;
/// bash completion; and the demo traffic of two QEMU guests through it.
/// </summary>
public sealed class ServiceTests(InstallFixture install, ITestOutputHelper output) : IDisposable
{
    private const string MacA = "52:54:00:00:00:0a";
    private const string MacB = "52:54:00:00:00:0b";
    private readonly List<IDisposable> _cleanup = [];

    [Fact]
    public void StartedAsTheUnitSaysItSignalsReadinessLogsToTheJournalReloadsStopsAndRestoresItsPorts()
    {
        InstalledTree tree = install.Require();
        ServiceProcess service = NewService(tree);
        string ready = service.Start();
        output.WriteLine("READY message: " + ready.Replace('\n', ' '));
        Assert.Contains($"MAINPID={service.Pid}", ready.Split('\n'));
        Assert.Contains("STATUS=bridge br0, 0 ports", ready, StringComparison.Ordinal);

        string g = tree.Group;
        Assert.Equal($"root:{g} 0750", Ownership.Of(service.RunDir));
        Assert.Equal($"root:{g} 2770", Ownership.Of(Path.Combine(service.RunDir, "qemu")));
        Assert.Equal($"root:{g} 0750", Ownership.Of(service.StateDir));
        Assert.Equal($"root:{g} 0660", Ownership.Of(Path.Combine(service.RunDir, "vswitchd.ctl")));
        Checked(tree.Ctl(service.RunDir, ["add-port", "vm1", "vhostuser"]));
        Assert.Equal($"root:{g} 0660", Ownership.Of(Path.Combine(service.RunDir, "vm1.sock")));
        Assert.Equal($"root:{g} 0640", Ownership.Of(Path.Combine(service.StateDir, "conf.json")));

        // systemd's journal stream: one line per message with its priority as "<N>", no timestamp of our own.
        Assert.Contains("<6>vswitchd[0] vswitchd ready: bridge br0", service.Log, StringComparison.Ordinal);
        Assert.All(service.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.Matches("^<[0-7]>", l));

        service.Reload();
        WaitUntil(() => service.Log.Contains("SIGHUP: log file reopened", StringComparison.Ordinal), "the reload in the log", service);
        Assert.True(service.IsRunning);
        Checked(tree.Ctl(service.RunDir, ["show"]));

        Assert.Equal(0, service.Stop());
        Assert.Contains("<6>vswitchd[0] stopped", service.Log, StringComparison.Ordinal);
        string again = service.Start();
        Assert.Contains("STATUS=bridge br0, 1 ports", again, StringComparison.Ordinal);
        Assert.Equal("vm1\n", Checked(tree.Ctl(service.RunDir, ["list-ports"])).Stdout);
    }

    [Fact]
    public void AnOperatorInTheGroupDrivesTheSwitchAndOneOutsideIsToldWhichGroupToJoin()
    {
        InstalledTree tree = install.Require();
        ServiceProcess service = NewService(tree);
        service.Start();
        var member = Track(SystemAccount.Create(tree.Group));
        var outsider = Track(SystemAccount.Create(null));
        string g = tree.Group;

        CommandResult added = tree.Ctl(service.RunDir, ["add-port", "op1", "vhostuser"], member.Name);
        Assert.True(added.ExitCode == 0, added.ToString());
        Assert.Contains("op1", Checked(tree.Ctl(service.RunDir, ["show"], member.Name)).Stdout, StringComparison.Ordinal);

        string socket = Path.Combine(service.RunDir, "vswitchd.ctl");
        CommandResult refused = tree.Ctl(service.RunDir, ["show"], outsider.Name);
        output.WriteLine(refused.Stderr);
        Assert.Equal(3, refused.ExitCode);
        Assert.Equal($"vswitchctl: permission denied on {socket} (its directory {service.RunDir} belongs to group {g}): "
            + $"add yourself to group {g} (usermod -aG {g} {outsider.Name}) and log in again, or run as root\n", refused.Stderr);

        // With the directory open to all, the socket's own mode (0660) is what keeps the outsider out.
        File.SetUnixFileMode(service.RunDir, (UnixFileMode)0x1ed);
        try
        {
            CommandResult atSocket = tree.Ctl(service.RunDir, ["show"], outsider.Name);
            Assert.Equal(3, atSocket.ExitCode);
            Assert.Equal($"vswitchctl: permission denied on {socket}: add yourself to group {g} (usermod -aG {g} {outsider.Name}) and log in again, or run as root\n",
                atSocket.Stderr);
        }
        finally
        {
            File.SetUnixFileMode(service.RunDir, (UnixFileMode)0x1e8);
        }
    }

    [Theory]
    [InlineData("vswitchctl add-p", "add-port")]
    [InlineData("vswitchctl libvirt", "libvirt-xml")]
    [InlineData("vswitchctl add-port vm1 vhostu", "vhostuser vhostuserclient")]
    [InlineData("vswitchctl libvirt-xml vm1 --ma", "--mac")]
    public void BashCompletesCommandsOptionsAndPortTypes(string line, string expected)
    {
        InstalledTree tree = install.Require();
        // What bash sets before calling a completion function, for the cursor at the end of the line.
        const string Script = """
            . "$0"
            COMP_LINE=$1 COMP_POINT=${#1}
            read -ra COMP_WORDS <<<"$COMP_LINE"
            COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
            _vswitchctl
            echo "${COMPREPLY[*]}"
            """;
        CommandResult r = Command.Run("bash", ["-c", Script, tree.CompletionFile, line], cleanEnvironment: true,
            environment: new Dictionary<string, string?> { ["PATH"] = Path.Combine(tree.Prefix, "bin") + ":" + Command.ServicePath });
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(expected, r.Stdout.Trim());
    }

    [Fact]
    public void TwoGuestsPingAndMove8MiBThroughTheInstalledService()
    {
        InstalledTree tree = install.Require();
        GuestImage image = GuestKit.RequireAvailable();
        ServiceProcess service = NewService(tree);
        service.Start();
        var clock = Stopwatch.StartNew();
        const long Bytes = 8L << 20;
        QemuGuest a = Boot(tree, service, image, "vm1", "a", MacA, "10.0.0.1/24", "10.0.0.2", "ping,send", Bytes);
        QemuGuest b = Boot(tree, service, image, "vm2", "b", MacB, "10.0.0.2/24", "10.0.0.1", "ping,recv", Bytes);
        try
        {
            TimeSpan boot = TimeSpan.FromMinutes(3);
            Assert.Equal("5", a.WaitForResult("ping", boot)["received"]);
            Assert.Equal("5", b.WaitForResult("ping", boot)["received"]);
            GuestResult sent = a.WaitForResult("send", TimeSpan.FromMinutes(4));
            GuestResult received = b.WaitForResult("recv", TimeSpan.FromMinutes(4));
            Assert.Equal(Bytes, received.GetInt64("bytes"));
            Assert.Equal(sent["md5"], received["md5"]);
            Assert.Equal(GuestPayload.Md5(Bytes), received["md5"]);
            JsonElement ports = JsonDocument.Parse(Checked(tree.Ctl(service.RunDir, ["port-stats", "--json"])).Stdout).RootElement.GetProperty("ports");
            output.WriteLine($"8 MiB in {received["seconds"]} s; scenario {clock.Elapsed.TotalSeconds:F0} s; port-stats {ports}");
        }
        catch
        {
            output.WriteLine($"--- a:\n{a.Console}\n--- b:\n{b.Console}\n--- vswitchd:\n{service.Log}");
            throw;
        }
    }

    public void Dispose()
    {
        for (int i = _cleanup.Count - 1; i >= 0; i--)
        {
            _cleanup[i].Dispose();
        }
    }

    private QemuGuest Boot(InstalledTree tree, ServiceProcess service, GuestImage image, string port, string name, string mac, string ip,
        string peer, string role, long bytes)
    {
        Checked(tree.Ctl(service.RunDir, ["add-port", port, "vhostuser"]));
        return Track(QemuGuest.Start(image, new GuestOptions
        {
            Name = name,
            Mac = mac,
            SocketPath = Path.Combine(service.RunDir, port + ".sock"),
            SocketMode = GuestSocketMode.QemuClient,
            Timeout = TimeSpan.FromMinutes(8),
            Role = role,
            Ip = ip,
            Peer = peer,
            PingCount = 5,
            Bytes = bytes,
            Seconds = 240,
        }));
    }

    private ServiceProcess NewService(InstalledTree tree)
    {
        string root = Path.Combine(tree.Root, Command.UniqueName("svc"));
        Directory.CreateDirectory(root);
        File.SetUnixFileMode(root, (UnixFileMode)0x1ed);
        return Track(new ServiceProcess(tree, root));
    }

    private T Track<T>(T disposable)
        where T : IDisposable
    {
        _cleanup.Add(disposable);
        return disposable;
    }

    private static CommandResult Checked(CommandResult r)
    {
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    private static void WaitUntil(Func<bool> condition, string what, ServiceProcess service)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"no {what} within 30 s:\n{service.Log}");
            Thread.Sleep(100);
        }
    }
}
