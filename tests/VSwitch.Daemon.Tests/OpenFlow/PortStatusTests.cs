using System.Diagnostics;
using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.Daemon.Tests.Tap;
using VSwitch.TestKit;
using VSwitch.TestKit.Net;
using Xunit;

namespace VSwitch.Daemon.Tests.OpenFlow;

/// <summary>
/// PORT_STATUS at a real OpenFlow 1.3 controller (os-ken, OpenFlow/apps/learning_switch.py) for every kind of port
/// change: a port added (ADD, LINK_DOWN while no front-end is there), a vhost-user port whose front-end (dpdk-testpmd's
/// virtio-user) connects and brings its rings up (MODIFY, LIVE) and then dies (MODIFY, LINK_DOWN), and the port deleted
/// (DELETE). Each message once, in that order. A tap set down and up from inside its network namespace (a change
/// nothing signals) gives MODIFY LINK_DOWN and LIVE through the monitor's safety read.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class PortStatusTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    // OpenFlow 1.3.5 §7.2.1: ofp_port_state bits.
    private const string LinkDown = "state=1";
    private const string Live = "state=4";

    [Fact]
    public void Add_connect_disconnect_and_delete_of_a_vhost_user_port_each_send_one_port_status()
    {
        TestPmd.RequireAvailable();
        using var controller = new OsKenController("learning_switch.py");
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "1");
        TestPmd? pmd = null;
        try
        {
            controller.Start();
            Ok(d.Ctl("set-controller", controller.Target));
            controller.WaitFor(Deadline, "ready");

            // ADD: the port exists, nothing is connected to it yet.
            var clock = Stopwatch.StartNew();
            Ok(d.Ctl("add-port", "vm1", "vhostuser"));
            int added = WaitAfter(controller, -1, "port_status", "reason=0", LinkDown, "vm1");
            // Not asserted (the machine may be loaded): the figure is for the log; it includes vswitchctl's own start.
            output.WriteLine($"add-port to PORT_STATUS ADD seen by the test: {clock.ElapsedMilliseconds} ms");

            // MODIFY to LIVE: testpmd's virtio-user connects and starts its rings.
            string socket = d.Ctl("show", "--json").Json().GetProperty("ports")[0].GetProperty("socket").GetString()!;
            pmd = TestPmd.Start([$"net_virtio_user0,path={socket},queues=1"], ["--forward-mode=rxonly"], forwardCpu: 0);
            int live = WaitAfter(controller, added, "port_status", "reason=2", Live, "vm1");

            // MODIFY to LINK_DOWN: the front-end dies (SIGKILL, as a crashed VM); the session ends.
            pmd.Kill();
            int down = WaitAfter(controller, live, "port_status", "reason=2", LinkDown, "vm1");

            // DELETE.
            Ok(d.Ctl("del-port", "vm1"));
            WaitAfter(controller, down, "port_status", "reason=1", "vm1");

            // One ADD and one DELETE; the MODIFYs alternate (a repeated state would be a description that did not change).
            List<string> statuses = [.. controller.Events.Where(e => e.StartsWith("port_status", StringComparison.Ordinal))];
            output.WriteLine(string.Join('\n', statuses));
            Assert.Single(statuses, e => e.Contains("reason=0", StringComparison.Ordinal));
            Assert.Single(statuses, e => e.Contains("reason=1", StringComparison.Ordinal));
            string[] modifies = [.. statuses.Where(e => e.Contains("reason=2", StringComparison.Ordinal))];
            for (int i = 1; i < modifies.Length; i++)
            {
                Assert.NotEqual(StateOf(modifies[i - 1]), StateOf(modifies[i]));
            }
        }
        catch
        {
            output.WriteLine("--- controller:\n" + controller.Output + "\n--- vswitchd log:\n" + d.Log + "\n--- testpmd:\n" + pmd?.Output);
            throw;
        }
        finally
        {
            pmd?.Dispose();
        }
    }

    [Fact]
    public void A_tap_set_down_and_up_inside_its_namespace_sends_port_status_modify()
    {
        // Nothing tells vswitchd when someone else changes the interface's flags: the monitor's safety read finds it.
        using var hosts = new TapNamespaces();
        using var controller = new OsKenController("learning_switch.py");
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "1");
        try
        {
            controller.Start();
            Ok(d.Ctl("set-controller", controller.Target));
            controller.WaitFor(Deadline, "ready");
            (NetNamespace ns, string ifName) = hosts.AddHost(d, "t1", "10.87.0.1/24");
            int added = WaitAfter(controller, -1, "port_status", "reason=0", "t1");

            Assert.Equal(0, ns.Exec(10_000, "ip", "link", "set", "dev", ifName, "down").ExitCode);
            int down = WaitAfter(controller, added, "port_status", "reason=2", LinkDown, "t1");
            Assert.Equal(0, ns.Exec(10_000, "ip", "link", "set", "dev", ifName, "up").ExitCode);
            WaitAfter(controller, down, "port_status", "reason=2", Live, "t1");
        }
        catch
        {
            output.WriteLine("--- controller:\n" + controller.Output + "\n--- vswitchd log:\n" + d.Log);
            throw;
        }
    }

    /// <summary>Waits for an event after the one at <paramref name="after"/> holding every word; returns its index.</summary>
    private static int WaitAfter(OsKenController controller, int after, params string[] words)
    {
        int found = -1;
        Eventually.True(() =>
        {
            List<string> events = controller.Events;
            found = events.FindIndex(after + 1, e => words.All(w => e.Contains(w, StringComparison.Ordinal)));
            return found >= 0;
        }, "controller event with " + string.Join(' ', words), Deadline, () => controller.Output);
        return found;
    }

    private static string StateOf(string e) => e.Split(' ').First(w => w.StartsWith("state=", StringComparison.Ordinal));

    private static void Ok(CtlResult r) => Assert.True(r.ExitCode == 0, r.ToString());
}
