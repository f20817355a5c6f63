using System.Text.Json;
using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.Daemon.Tests.Tap;
using VSwitch.TestKit;
using VSwitch.TestKit.Net;
using Xunit;

namespace VSwitch.Daemon.Tests.OpenFlow;

/// <summary>
/// vswitchd driven by a real OpenFlow 1.3 controller (os-ken apps in OpenFlow/apps) over set-controller, with tap
/// ports in network namespaces as the hosts: traffic passes only through the flows the controller installed after
/// PACKET_INs; secure mode without a controller forwards nothing; standalone mode falls back to NORMAL when the
/// controller is gone; a restarted controller takes over again.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class ControllerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public void Learning_switch_controller_connects_two_hosts_only_through_the_flows_it_installed()
    {
        using var hosts = new TapNamespaces();
        using var controller = new OsKenController("learning_switch.py");
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "0");
        try
        {
            (NetNamespace a, _) = hosts.AddHost(d, "ta", "10.86.0.1/24");
            hosts.AddHost(d, "tb", "10.86.0.2/24");
            Ok(d.Ctl("set-fail-mode", "secure"));
            controller.Start();
            Ok(d.Ctl("set-controller", controller.Target));
            controller.WaitFor(Deadline, "connected");
            WaitConnected(d, true);

            TapNamespaces.Ping(a, "10.86.0.2");

            // PACKET_IN from the table-miss flow (reason 0, table 0) with in_port and the whole frame.
            string packetIn = controller.WaitFor(Deadline, "packet_in", "reason=0", "table=0", "in_port=1");
            Assert.Contains("total_len=", packetIn, StringComparison.Ordinal);
            controller.WaitFor(Deadline, "flow", "output=2");
            controller.WaitFor(Deadline, "flow", "output=1");
            // The controller's learned flows carried the ping: both exist with packets counted, and no NORMAL flow is left.
            string flows = d.Ctl("dump-flows").Stdout;
            output.WriteLine(flows);
            Assert.DoesNotContain("normal", flows, StringComparison.OrdinalIgnoreCase);
            JsonElement[] learned = [.. d.Ctl("dump-flows", "--json").Json().GetProperty("flows").EnumerateArray()
                .Where(f => f.GetProperty("priority").GetInt32() == 1)];
            Assert.True(learned.Length >= 2, flows);
            Assert.All(learned, f => Assert.True(f.GetProperty("packets").GetInt64() > 0, flows));

            // PORT_STATUS for a port added and removed after the controller connected.
            Ok(d.Ctl("add-port", "extra", "vhostuser"));
            controller.WaitFor(Deadline, "port_status", "reason=0", "extra");
            Ok(d.Ctl("del-port", "extra"));
            controller.WaitFor(Deadline, "port_status", "reason=1", "extra");

            string show = d.Ctl("show").Stdout;
            Assert.Contains($"controller {controller.Target}: connected", show, StringComparison.Ordinal);
            Assert.Contains("fail-mode: secure", show, StringComparison.Ordinal);
        }
        catch
        {
            output.WriteLine("--- controller:\n" + controller.Output + "\n--- vswitchd log:\n" + d.Log);
            throw;
        }
    }

    [Fact]
    public void Secure_mode_without_a_controller_forwards_nothing_until_the_controller_comes()
    {
        using var hosts = new TapNamespaces();
        using var controller = new OsKenController("two_tables.py");
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "0", "--fail-open-delay", "1");
        try
        {
            (NetNamespace a, string ifA) = hosts.AddHost(d, "ta", "10.85.0.1/24");
            (NetNamespace b, string ifB) = hosts.AddHost(d, "tb", "10.85.0.2/24");
            // No IPv6, so no router solicitation of a's reaches the controller first and teaches it a's MAC.
            Assert.Equal(0, a.Exec(10_000, "sysctl", "-qw", $"net.ipv6.conf.{ifA}.disable_ipv6=1").ExitCode);
            Assert.Equal(0, b.Exec(10_000, "sysctl", "-qw", $"net.ipv6.conf.{ifB}.disable_ipv6=1").ExitCode);
            Ok(d.Ctl("set-fail-mode", "secure"));
            Ok(d.Ctl("del-flows"));
            // Nothing listens there yet: the switch keeps trying with back-off.
            Ok(d.Ctl("set-controller", controller.Target));

            (int code, string stdout, _) = a.Exec(30_000, "busybox", "ping", "-c", "3", "-W", "1", "10.85.0.2");
            Assert.True(code != 0, "secure mode without a controller forwarded a ping: " + stdout);
            JsonElement c = d.Ctl("get-controller", "--json").Json();
            Assert.False(c.GetProperty("fail_open").GetBoolean());
            Assert.False(c.GetProperty("controllers")[0].GetProperty("is_connected").GetBoolean());

            controller.Start();
            controller.WaitFor(Deadline, "connected");

            // Table 0's miss sends 128 bytes (its max_len) with the frame's whole length, then table 1 floods. With b's
            // MAC known to a (IPv6 off on these hosts, so no other frame of a's comes first), a's first frame is a
            // 1000-byte echo: 1042 bytes on the wire, of which the controller gets the first 128.
            string macB = b.ReadSys($"/sys/class/net/{ifB}/address").Trim();
            (int neigh, _, string neighErr) = a.Exec(10_000, "ip", "neigh", "replace", "10.85.0.2", "lladdr", macB, "dev", ifA, "nud", "permanent");
            Assert.True(neigh == 0, neighErr);
            a.Exec(30_000, "busybox", "ping", "-c", "1", "-s", "1000", "-W", "3", "10.85.0.2");
            string big = controller.WaitFor(Deadline, "packet_in", "reason=0", "table=0", "in_port=1", "total_len=1042 ");
            output.WriteLine(big);
            Assert.Contains("total_len=1042 data=128 ", big, StringComparison.Ordinal);
            TapNamespaces.Ping(a, "10.85.0.2");
            Assert.All(controller.Events.Where(e => e.StartsWith("packet_in", StringComparison.Ordinal)),
                e => Assert.Matches(@"total_len=(\d+) data=(128|\1) ", e));
            string flows = d.Ctl("dump-flows").Stdout;
            output.WriteLine(flows);
            Assert.Contains("table=1", flows, StringComparison.Ordinal);
            Assert.Contains("goto_table:1", flows, StringComparison.Ordinal);
        }
        catch
        {
            output.WriteLine("--- controller:\n" + controller.Output + "\n--- vswitchd log:\n" + d.Log);
            throw;
        }
    }

    [Fact]
    public void Standalone_mode_falls_back_to_normal_when_the_controller_dies_and_a_restarted_controller_takes_over()
    {
        using var hosts = new TapNamespaces();
        using var controller = new OsKenController("learning_switch.py");
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "0", "--fail-open-delay", "2");
        try
        {
            (NetNamespace a, _) = hosts.AddHost(d, "ta", "10.84.0.1/24");
            hosts.AddHost(d, "tb", "10.84.0.2/24");
            hosts.AddHost(d, "tc", "10.84.0.3/24");
            controller.Start();
            Ok(d.Ctl("set-controller", controller.Target));
            controller.WaitFor(Deadline, "connected");
            WaitConnected(d, true);
            TapNamespaces.Ping(a, "10.84.0.2");

            controller.Stop();
            WaitConnected(d, false);
            Eventually.True(() => d.Ctl("get-controller", "--json").Json().GetProperty("fail_open").GetBoolean(), "fail-open", Deadline);
            Assert.Contains("fail-open", d.Ctl("show").Stdout, StringComparison.Ordinal);
            // Host c was never seen by the controller: only NORMAL can carry this.
            TapNamespaces.Ping(a, "10.84.0.3");

            using var again = new OsKenController("learning_switch.py", controller.Port);
            again.Start();
            again.WaitFor(Deadline, "connected");
            Eventually.True(() => !d.Ctl("get-controller", "--json").Json().GetProperty("fail_open").GetBoolean(), "fail-open to end", Deadline);
            TapNamespaces.Ping(a, "10.84.0.3");
            again.WaitFor(Deadline, "flow", "output=3");
        }
        catch
        {
            output.WriteLine("--- controller:\n" + controller.Output + "\n--- vswitchd log:\n" + d.Log);
            throw;
        }
    }

    [Fact]
    public void Controllers_and_fail_mode_survive_a_restart_and_bad_targets_are_refused()
    {
        using var d = new DaemonProcess();
        d.Start();
        Ok(d.Ctl("set-controller", "tcp:127.0.0.1:1", "tcp:[::1]:2"));
        Ok(d.Ctl("set-fail-mode", "secure"));
        CtlResult bad = d.Ctl("set-controller", "udp:1.2.3.4");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("tcp:HOST", bad.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, d.Terminate());

        d.Start();
        JsonElement c = d.Ctl("get-controller", "--json").Json();
        Assert.Equal("secure", c.GetProperty("fail_mode").GetString());
        Assert.Equal(["tcp:127.0.0.1:1", "tcp:[::1]:2"], c.GetProperty("controllers").EnumerateArray().Select(x => x.GetProperty("target").GetString()));
        // Nothing listens there: the links keep trying.
        Eventually.True(() => d.Ctl("get-controller", "--json").Json().GetProperty("controllers")[0].GetProperty("attempts").GetInt32() >= 2,
            "a second connection attempt", Deadline);
        Ok(d.Ctl("del-controller"));
        Assert.Equal(0, d.Ctl("get-controller", "--json").Json().GetProperty("controllers").GetArrayLength());
    }

    private static void WaitConnected(DaemonProcess d, bool connected) =>
        Eventually.True(() => d.Ctl("get-controller", "--json").Json().GetProperty("controllers").EnumerateArray()
            .Any(c => c.GetProperty("is_connected").GetBoolean()) == connected, connected ? "controller connected" : "controller gone", Deadline);

    private static void Ok(CtlResult r) => Assert.True(r.ExitCode == 0, r.ToString());
}
