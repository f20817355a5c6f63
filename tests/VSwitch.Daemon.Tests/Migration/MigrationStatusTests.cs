using System.Diagnostics;
using System.Text.Json;
using VSwitch.TestKit.Virtio;
using Xunit;
using R = VSwitch.TestKit.Virtio.FakeFrontendRequest;

namespace VSwitch.Daemon.Tests.Migration;

/// <summary>
/// vswitchctl port-status on a migration source, through the shipped programs: a test front-end on vm1 negotiates as
/// QEMU does, starts dirty logging (SET_LOG_BASE, LOG_ALL), receives frames from vm2, and stops its rings
/// (GET_VRING_BASE). port-status must show logging on, the log size, the pages marked (as many as bits set in the log)
/// and the ring bases handed over, in JSON and in text, and the daemon's log must have each step at info level.
/// </summary>
public sealed class MigrationStatusTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly DaemonProcess _d = new();
    private readonly List<FakeFrontend> _guests = [];

    [Fact]
    public void Port_status_shows_dirty_logging_pages_marked_and_ring_bases()
    {
        _d.Start();
        for (int i = 1; i <= 2; i++)
        {
            CtlResult r = _d.Ctl("add-port", $"vm{i}", "vhostuser", "--socket", Socket(i));
            Assert.True(r.ExitCode == 0, r.ToString());
        }
        FakeFrontend source = Connect(1);
        source.NegotiateLikeQemu();
        FakeFrontend peer = Connect(2);
        peer.NegotiateLikeDpdk();
        WaitFor(() => Status("vm1").GetProperty("state").GetString() == "up" && Status("vm2").GetProperty("state").GetString() == "up", "ports up");
        Assert.Equal("off", Detail(Status("vm1"), "dirty logging"));
        Assert.Equal("0", Detail(Status("vm1"), "dirty log bytes"));

        FakeFrontendRegion ram = source.Regions[0];
        int bytes = (int)(((ram.GuestBase + ram.Size) / 4096 + 7) / 8);
        using var log = new Memfd(bytes);
        Assert.Equal(0UL, source.SetLogBase(log.Fd, (ulong)bytes, 0).U64);
        source.SetFeatures(source.AckedFeatures | R.FeatureLogAll);
        _ = source.GetFeatures();
        Assert.Equal("on", Detail(Status("vm1"), "dirty logging"));
        Assert.Equal(bytes.ToString(System.Globalization.CultureInfo.InvariantCulture), Detail(Status("vm1"), "dirty log bytes"));

        source.Ring(0).PostReceiveBuffers(8);
        for (int i = 0; i < 4; i++)
        {
            peer.Ring(1).Transmit(Frame(i));
        }
        peer.Ring(1).Kick();
        var frames = new List<byte[]>();
        WaitFor(() => { frames.AddRange(source.Ring(0).ReceiveFrames(mergeable: true)); return frames.Count == 4; }, "4 frames at vm1");
        long setBits = log.Span(0, bytes).ToArray().Sum(b => (long)System.Numerics.BitOperations.PopCount(b));
        Assert.InRange(setBits, 2, 100);
        Assert.Equal(setBits.ToString(System.Globalization.CultureInfo.InvariantCulture), Detail(Status("vm1"), "dirty pages marked"));
        Assert.Equal("0", Detail(Status("vm1"), "dirty pages beyond log"));

        Assert.Equal(4u, source.GetVringBase(0));
        Assert.Equal(0u, source.GetVringBase(1));
        JsonElement rings = Status("vm1").GetProperty("vrings");
        Assert.Equal(4, Ring(rings, 0).GetProperty("last_get_base").GetInt64());
        Assert.Equal(0, Ring(rings, 1).GetProperty("last_get_base").GetInt64());
        Assert.Equal(0, Ring(rings, 0).GetProperty("last_set_base").GetInt64());

        string text = _d.Ctl("port-status", "vm1").Stdout;
        output.WriteLine(text);
        Assert.Contains("  dirty logging: on", text, StringComparison.Ordinal);
        Assert.Contains($"  dirty pages marked: {setBits}", text, StringComparison.Ordinal);
        Assert.Contains("set_base", text, StringComparison.Ordinal);
        Assert.Contains("get_base", text, StringComparison.Ordinal);
        foreach (string line in new[]
        {
            $"vhost-user port vm1: dirty log set ({bytes} bytes",
            $"vhost-user port vm1: dirty logging on (LOG_ALL acked, log of {bytes} bytes)",
            "vhost-user port vm1: ring 0: GET_VRING_BASE hands over base 4",
            "vhost-user port vm1: ring 1: GET_VRING_BASE hands over base 0",
        })
        {
            WaitFor(() => _d.Log.Contains(line, StringComparison.Ordinal), "log line: " + line);
        }
    }

    public void Dispose()
    {
        foreach (FakeFrontend g in _guests)
        {
            g.Dispose();
        }
        _d.Dispose();
    }

    private string Socket(int port) => Path.Combine(_d.Root, $"vm{port}.sock");

    private FakeFrontend Connect(int port)
    {
        FakeFrontend g = FakeFrontend.Connect(Socket(port), Patience);
        _guests.Add(g);
        g.AddRegion();
        return g;
    }

    private JsonElement Status(string port) => _d.Ctl("port-status", port, "--json").Json();

    private static JsonElement Ring(JsonElement rings, int index) =>
        rings.EnumerateArray().Single(r => r.GetProperty("index").GetInt32() == index);

    private static byte[] Frame(int seq)
    {
        byte[] f = new byte[1000];
        f.AsSpan(0, 6).Fill(0xff);
        f[6] = 0x02;
        f[11] = (byte)(seq + 1);
        f[12] = 0x88;
        f[13] = 0xb5;
        return f;
    }

    private void WaitFor(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Patience, $"timed out waiting for {what}:\n{_d.Log}");
            Thread.Sleep(20);
        }
    }

    private static string Detail(JsonElement status, string key)
    {
        foreach (JsonElement d in status.GetProperty("details").EnumerateArray())
        {
            if (d.GetProperty("key").GetString() == key)
            {
                return d.GetProperty("value").GetString() ?? "";
            }
        }
        Assert.Fail($"no '{key}' in port-status details: {status}");
        return "";
    }
}
