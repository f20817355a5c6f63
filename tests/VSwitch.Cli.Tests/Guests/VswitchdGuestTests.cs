using System.Diagnostics;
using VSwitch.Cli.Tests.Forwarding;
using VSwitch.TestKit.Guests;
using Xunit;

namespace VSwitch.Cli.Tests.Guests;

/// <summary>
/// Real Linux guests (QEMU 7.2 under TCG, virtio-net) on vhost-user ports of a real vswitchd: the switch's reason to
/// exist. The datapath thread runs on CPU 0, the guests on CPU 1.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class VswitchdGuestTests(ITestOutputHelper output) : IDisposable
{
    private const string MacA = "52:54:00:00:00:0a";
    private const string MacB = "52:54:00:00:00:0b";
    private const string MacC = "52:54:00:00:00:0c";
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(2);
    private readonly List<QemuGuest> _guests = [];

    [Theory]
    [InlineData("vhostuser")]
    [InlineData("vhostuserclient")]
    public void TwoGuestsPingBothWaysAndMove32MiBWithMatchingMd5(string type)
    {
        var image = GuestKit.RequireAvailable();
        using var d = StartSwitch();
        var sw = Stopwatch.StartNew();
        const long bytes = 32L << 20;
        var a = Boot(image, d, type, "vm1", "a", MacA, "10.0.0.1/24", "10.0.0.2", "ping,send", bytes);
        var b = Boot(image, d, type, "vm2", "b", MacB, "10.0.0.2/24", "10.0.0.1", "ping,recv", bytes);
        Checked(() =>
        {
            Assert.Equal("5", a.WaitForResult("ping", BootTimeout)["received"]);
            Assert.Equal("5", b.WaitForResult("ping", BootTimeout)["received"]);
            var send = a.WaitForResult("send", TimeSpan.FromMinutes(4));
            var recv = b.WaitForResult("recv", TimeSpan.FromMinutes(4));
            Assert.Equal("1", recv["ok"]);
            Assert.Equal(bytes, recv.GetInt64("bytes"));
            Assert.Equal(send["md5"], recv["md5"]);
            Assert.Equal(GuestPayload.Md5(bytes), recv["md5"]);
            output.WriteLine($"{type}: 32 MiB in {recv["seconds"]} s; scenario {sw.Elapsed.TotalSeconds:F0} s; features {a.WaitForResult("features", BootTimeout)["hex"]}");
        });
    }

    [Fact]
    public void AccessVlansIsolateGuests()
    {
        var image = GuestKit.RequireAvailable();
        using var d = StartSwitch();
        // a and b share access VLAN 10; c is on VLAN 20 and probes a, which it must not reach.
        var a = Boot(image, d, "vhostuser", "vm1", "a", MacA, "10.0.0.1/24", "10.0.0.2", "ping,idle", null, tag: 10);
        Boot(image, d, "vhostuser", "vm2", "b", MacB, "10.0.0.2/24", "10.0.0.1", "idle", null, tag: 10);
        var c = Boot(image, d, "vhostuser", "vm3", "c", MacC, "10.0.0.3/24", "10.0.0.1", "probe", null, tag: 20);
        Checked(() =>
        {
            Assert.Equal("5", a.WaitForResult("ping", BootTimeout)["received"]);
            Assert.Equal("0", c.WaitForResult("probe", BootTimeout)["received"]);
        });
    }

    [Fact]
    public void ADropFlowCutsAGuestOffAndDeletingItRestoresTraffic()
    {
        var image = GuestKit.RequireAvailable();
        using var d = StartSwitch();
        var a = Boot(image, d, "vhostuser", "vm1", "a", MacA, "10.0.0.1/24", "10.0.0.2", "reach,hold,probe,hold,ping", null);
        Boot(image, d, "vhostuser", "vm2", "b", MacB, "10.0.0.2/24", "10.0.0.1", "idle", null);
        Checked(() =>
        {
            Assert.Equal("1", a.WaitForResult("reach", BootTimeout)["ok"]);
            Assert.Equal(0, d.Ctl("add-flow", $"priority=100,dl_src={MacB},actions=drop").ExitCode);
            a.WaitForResult("hold", BootTimeout);
            a.Resume();
            Assert.Equal("0", a.WaitForResult("probe", BootTimeout)["received"]);
            string flows = d.Ctl("dump-flows").Stdout;
            Assert.DoesNotContain("n_packets=0, n_bytes=0, idle_age", flows.Split('\n').Single(l => l.Contains("priority=100", StringComparison.Ordinal)), StringComparison.Ordinal);
            Assert.Equal(0, d.Ctl("del-flows", "--strict", $"priority=100,dl_src={MacB}").ExitCode);
            a.WaitForResult("hold", BootTimeout, occurrence: 2);
            a.Resume();
            Assert.Equal("5", a.WaitForResult("ping", BootTimeout)["received"]);
        });
    }

    private static DaemonProcess StartSwitch()
    {
        var d = new DaemonProcess();
        d.Start("--pmd-cpus", "0");
        return d;
    }

    private QemuGuest Boot(GuestImage image, DaemonProcess d, string type, string port, string name, string mac, string ip, string peer, string role, long? bytes, int? tag = null)
    {
        string socket = Path.Combine(d.Root, port + ".sock");
        var args = new List<string> { "add-port", port, type, "--socket", socket };
        if (tag is int t)
        {
            args.Add("--tag");
            args.Add(t.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        var r = d.Ctl([.. args]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var options = new GuestOptions
        {
            Name = name,
            Mac = mac,
            SocketPath = socket,
            SocketMode = type == "vhostuser" ? GuestSocketMode.QemuClient : GuestSocketMode.QemuServer,
            CpuAffinity = "1",
            Timeout = TimeSpan.FromMinutes(6),
            Role = role,
            Ip = ip,
            Peer = peer,
            PingCount = 5,
            Bytes = bytes,
            Seconds = 120,
        };
        var guest = QemuGuest.Start(image, options);
        _guests.Add(guest);
        return guest;
    }

    private void Checked(Action body)
    {
        try
        {
            body();
        }
        catch
        {
            foreach (var g in _guests)
            {
                output.WriteLine($"--- {g.Name} console:\n{g.Console}");
            }
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var g in _guests)
        {
            g.Dispose();
        }
    }
}
