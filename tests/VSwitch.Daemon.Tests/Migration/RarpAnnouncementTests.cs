using System.Diagnostics;
using System.Text.Json;
using VSwitch.TestKit.Virtio;
using Xunit;

namespace VSwitch.Daemon.Tests.Migration;

/// <summary>
/// SEND_RARP through the shipped vswitchd: three vhost-user ports on one datapath thread, driven by test front-ends
/// over real sockets and memfd memory. The guest's MAC is first learnt on vm2 (where it "was" before the migration);
/// vm1's front-end then sends SEND_RARP for it, as QEMU does on the migration destination of a guest without
/// GUEST_ANNOUNCE. The announcement must enter the switch from vm1: fdb-show moves the MAC to vm1 (and counts the
/// move), and vm2 and vm3 (the flooding domain) each receive the exact frame.
/// </summary>
public sealed class RarpAnnouncementTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly byte[] GuestMac = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
    private readonly DaemonProcess _d = new();
    private readonly List<FakeFrontend> _guests = [];

    [Fact]
    public void SendRarp_moves_the_MAC_to_the_port_and_floods_the_announcement()
    {
        _d.Start();
        for (int i = 1; i <= 3; i++)
        {
            CtlResult r = _d.Ctl("add-port", $"vm{i}", "vhostuser", "--socket", Socket(i));
            Assert.True(r.ExitCode == 0, r.ToString());
        }
        FakeFrontend vm1 = Guest(1);
        FakeFrontend vm2 = Guest(2);
        FakeFrontend vm3 = Guest(3);
        WaitForPortsUp(3);

        // Before the migration the guest's MAC lives behind vm2.
        byte[] before = new byte[64];
        before.AsSpan(0, 6).Fill(0xff);
        GuestMac.CopyTo(before.AsSpan(6));
        before[12] = 0x88;
        before[13] = 0xb5;
        vm2.Ring(1).Transmit(before);
        vm2.Ring(1).Kick();
        Assert.Equal("vm2", WaitForFdbPort("52:54:00:12:34:56", "vm2"));
        long movesBefore = _d.Ctl("fdb-show", "--json").Json().GetProperty("stats").GetProperty("moved").GetInt64();

        vm2.Ring(0).PostReceiveBuffers(16);
        vm3.Ring(0).PostReceiveBuffers(16);
        vm1.SendRarp(GuestMac);

        Assert.Equal("vm1", WaitForFdbPort("52:54:00:12:34:56", "vm1"));
        Assert.Equal(movesBefore + 1, _d.Ctl("fdb-show", "--json").Json().GetProperty("stats").GetProperty("moved").GetInt64());
        Assert.Contains($"moved: {movesBefore + 1}", _d.Ctl("fdb-show").Stdout, StringComparison.Ordinal);
        byte[] expected = Convert.FromHexString(
            "ffffffffffff" + "525400123456" + "8035" + "0001" + "0800" + "06" + "04" + "0003"
            + "525400123456" + "00000000" + "525400123456" + "00000000" + new string('0', 36));
        Assert.Equal(60, expected.Length);
        Assert.Equal(expected, WaitForFrame(vm2, 0x8035));
        Assert.Equal(expected, WaitForFrame(vm3, 0x8035));
        JsonElement status = _d.Ctl("port-status", "vm1", "--json").Json();
        Assert.Equal("1", Detail(status, "rarp requested"));
        Assert.Equal("1", Detail(status, "rarp sent"));
        Assert.Equal("52:54:00:12:34:56", Detail(status, "rarp mac"));
        string text = _d.Ctl("port-status", "vm1").Stdout;
        output.WriteLine(text);
        Assert.Contains("  rarp sent: 1", text, StringComparison.Ordinal);
        var clock = Stopwatch.StartNew();
        while (!_d.Log.Contains("vhost-user port vm1: RARP announcement for 52:54:00:12:34:56 sent into the switch from this port (1 so far)", StringComparison.Ordinal))
        {
            Assert.True(clock.Elapsed < Patience, "no log line for the sent announcement:\n" + _d.Log);
            Thread.Sleep(20);
        }
        Assert.Contains("vhost-user port vm1: SEND_RARP for 52:54:00:12:34:56: the announcement enters the switch now", _d.Log, StringComparison.Ordinal);
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

    private FakeFrontend Guest(int port)
    {
        FakeFrontend g = FakeFrontend.Connect(Socket(port), Patience);
        _guests.Add(g);
        g.AddRegion();
        g.NegotiateLikeDpdk();
        return g;
    }

    private void WaitForPortsUp(int count)
    {
        var clock = Stopwatch.StartNew();
        while (_d.Ctl("show", "--json").Json().GetProperty("ports").EnumerateArray().Count(p => p.GetProperty("state").GetString() == "up") != count)
        {
            Assert.True(clock.Elapsed < Patience, "ports did not come up: " + _d.Ctl("show").Stdout);
            Thread.Sleep(50);
        }
    }

    /// <summary>Waits until fdb-show has <paramref name="mac"/> on <paramref name="port"/>; returns that port's name.</summary>
    private string WaitForFdbPort(string mac, string port)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            JsonElement fdb = _d.Ctl("fdb-show", "--json").Json();
            string? on = fdb.GetProperty("entries").EnumerateArray()
                .Where(e => e.GetProperty("mac").GetString() == mac).Select(e => e.GetProperty("port").GetString()).FirstOrDefault();
            if (on == port)
            {
                return on;
            }
            Assert.True(clock.Elapsed < Patience, $"{mac} is on {on ?? "no port"}, not {port}: {fdb}");
            Thread.Sleep(20);
        }
    }

    /// <summary>The first frame of EtherType <paramref name="etherType"/> the guest behind <paramref name="guest"/> receives.</summary>
    private static byte[] WaitForFrame(FakeFrontend guest, ushort etherType)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            foreach (byte[] f in guest.Ring(0).ReceiveFrames(mergeable: false))
            {
                if (f.Length >= 14 && System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(12)) == etherType)
                {
                    return f;
                }
            }
            Assert.True(clock.Elapsed < Patience, $"no frame of EtherType 0x{etherType:x4} arrived");
            Thread.Sleep(5);
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
