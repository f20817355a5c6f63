using System.Text.Json;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Daemon.Tests;

/// <summary>
/// Which datapath thread polls which receive queue, with two threads, through pmd-rxq-show: every queue has exactly one
/// owner, and a queue keeps its owner while other ports come and go (so two threads reading the port list at
/// different moments can never poll one queue together).
/// </summary>
public sealed class PmdQueueOwnershipTests
{
    [Fact]
    public void Every_queue_has_one_owner_and_keeps_it_while_other_ports_come_and_go()
    {
        // Tap ports: they have their receive queue from the start (a vhost-user port has none until a front-end
        // negotiates). Their interfaces go away with the daemon's fds.
        Prerequisite.Require(Prerequisite.IsRoot, "tap ports need root");
        using var d = new DaemonProcess();
        d.Start("--pmd-threads", "2");
        string tag = Environment.ProcessId.ToString("x", System.Globalization.CultureInfo.InvariantCulture);
        foreach (string name in new[] { "q1", "q2", "q3", "q4" })
        {
            Assert.Equal(0, d.Ctl("add-port", name, "tap", "--ifname", $"vsq{name}{tag}").ExitCode);
        }
        Dictionary<(string Port, int Queue), int> before = Owners(d);
        Assert.Equal(4, before.Keys.Select(k => k.Port).Distinct().Count());
        Assert.Equal(2, before.Values.Distinct().Count());

        Assert.Equal(0, d.Ctl("del-port", "q1").ExitCode);
        Assert.Equal(0, d.Ctl("add-port", "q5", "tap", "--ifname", $"vsqq5{tag}").ExitCode);
        Dictionary<(string Port, int Queue), int> after = Owners(d);
        foreach (((string port, int queue), int thread) in before)
        {
            if (port != "q1")
            {
                Assert.Equal(thread, after[(port, queue)]);
            }
        }
        Assert.False(after.ContainsKey(("q1", 0)));
        Assert.True(after.ContainsKey(("q5", 0)));
    }

    /// <summary>Each (port, queue) pmd-rxq-show lists, with its thread; a queue listed by two threads fails.</summary>
    private static Dictionary<(string Port, int Queue), int> Owners(DaemonProcess d)
    {
        var owners = new Dictionary<(string Port, int Queue), int>();
        JsonElement threads = d.Ctl("pmd-rxq-show", "--json").Json().GetProperty("threads");
        Assert.Equal(2, threads.GetArrayLength());
        foreach (JsonElement thread in threads.EnumerateArray())
        {
            int index = thread.GetProperty("thread").GetInt32();
            foreach (JsonElement queue in thread.GetProperty("queues").EnumerateArray())
            {
                var key = (queue.GetProperty("port").GetString()!, queue.GetProperty("queue").GetInt32());
                Assert.True(owners.TryAdd(key, index), $"{key} is polled by threads {owners.GetValueOrDefault(key)} and {index}");
            }
        }
        return owners;
    }
}
