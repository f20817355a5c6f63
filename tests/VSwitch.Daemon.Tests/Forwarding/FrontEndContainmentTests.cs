using System.Diagnostics;
using System.Text.Json;
using VSwitch.TestKit.Virtio;
using Xunit;

namespace VSwitch.Daemon.Tests.Forwarding;

/// <summary>
/// The shipped vswitchd against front-ends that attack it without a malformed message, with three vhost-user ports on
/// one datapath thread (<c>--pmd-threads 1</c>) driven by the test front-end over real sockets and memfd memory:
/// a front-end that truncates its guest memory under the switch and then offers a frame from it (the datapath touches
/// lost pages: SIGBUS), one whose call eventfd counter is full (a blocking write would stop the thread), and one that
/// hands over a pipe as call fd. In each case the daemon stays up, the guilty port alone fails with the reason in
/// port-status, the other two ports keep forwarding on the same thread, and a fresh front-end on the guilty port works.
/// </summary>
public sealed class FrontEndContainmentTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly DaemonProcess _d = new();
    private readonly List<FakeFrontend> _guests = [];

    [Fact]
    public void A_front_end_that_truncates_its_memory_fails_only_its_port_and_the_daemon_lives_on()
    {
        StartWithThreePorts();
        FakeFrontend victim = Guest(1, dataRegion: true);
        FakeFrontend sender = Guest(2);
        FakeFrontend receiver = Guest(3);
        WaitForPortsUp(3);
        AssertForwards(sender, receiver, 1, count: 8);

        FakeFrontendRegion data = victim.Regions[1];
        ulong at = data.GuestBase + 8192;
        byte[] frame = Frame(50);
        Span<byte> bytes = victim.GuestSpan(at, 12 + frame.Length);
        bytes[..12].Clear();
        frame.CopyTo(bytes[12..]);
        Assert.True(data.Memory.Truncate(0));
        FakeFrontendRing tx = victim.Ring(1);
        tx.Driver.AddChain(DriverBuffer.Readable(at, (uint)(12 + frame.Length)));
        tx.Driver.PublishAvail();
        tx.Kick();

        JsonElement status = WaitForPortState("vm1", "error");
        string lastError = status.GetProperty("last_error").GetString() ?? "";
        output.WriteLine(lastError);
        Assert.StartsWith("guest memory region 1 (", lastError, StringComparison.Ordinal);
        Assert.EndsWith("shrank under the mapping (file truncated by the front-end)", lastError, StringComparison.Ordinal);
        Assert.True(victim.WaitForClose(Patience), "the guilty session must end");
        Assert.True(DaemonAlive(), "vswitchd died:\n" + _d.Log);
        Assert.Contains(lastError, _d.Log, StringComparison.Ordinal);
        AssertForwards(sender, receiver, 100, count: 32);

        FakeFrontend fresh = Guest(1);
        WaitForPortsUp(3);
        AssertForwards(fresh, receiver, 200, count: 8);
        AssertForwards(sender, fresh, 300, count: 8);
        Assert.True(DaemonAlive(), "vswitchd died:\n" + _d.Log);
    }

    [Fact]
    public void A_full_call_eventfd_on_one_port_never_stops_the_datapath_thread()
    {
        StartWithThreePorts();
        FakeFrontend hostile = Guest(1);
        FakeFrontend sender = Guest(2);
        FakeFrontend receiver = Guest(3);
        WaitForPortsUp(3);
        int full = FakeFrontendFds.EventFd(blocking: true, initial: FakeFrontendFds.EventFdMax);
        try
        {
            hostile.SetVringCall(0, full);
            _ = hostile.GetFeatures();   // a round trip: the switch has taken the new call fd
            hostile.Ring(0).PostReceiveBuffers(256);
            // Every frame floods to vm1 as well, so every batch tries vm1's full call eventfd on the one datapath thread.
            AssertForwards(sender, receiver, 1, count: 128);
            JsonElement status = _d.Ctl("port-status", "vm1", "--json").Json();
            string failures = Detail(status, "failed guest notifications");
            output.WriteLine(failures);
            Assert.StartsWith("ring 0: ", failures, StringComparison.Ordinal);
            Assert.Equal("up", status.GetProperty("state").GetString());
            Assert.Equal(FakeFrontendFds.EventFdMax, FakeFrontendFds.Read(full));
        }
        finally
        {
            FakeFrontendFds.Close(full);
        }
    }

    [Fact]
    public void A_pipe_as_call_fd_is_refused_with_a_clear_error_and_the_other_ports_forward()
    {
        StartWithThreePorts();
        FakeFrontend hostile = Guest(1);
        FakeFrontend sender = Guest(2);
        FakeFrontend receiver = Guest(3);
        WaitForPortsUp(3);
        int read = FakeFrontendFds.Pipe(out int write);
        try
        {
            hostile.SetVringCall(0, write);
            Assert.True(hostile.WaitForClose(Patience), "the session must end");
        }
        finally
        {
            FakeFrontendFds.Close(read);
            FakeFrontendFds.Close(write);
        }
        string lastError = WaitForLastError("vm1", "not an eventfd");
        output.WriteLine(lastError);
        Assert.Equal("SetVringCall: NotAnEventFd: the call fd of ring 0 is a pipe, not an eventfd", lastError);
        AssertForwards(sender, receiver, 1, count: 16);
        FakeFrontend fresh = Guest(1);
        WaitForPortsUp(3);
        AssertForwards(fresh, receiver, 100, count: 8);
    }

    public void Dispose()
    {
        foreach (FakeFrontend g in _guests)
        {
            g.Dispose();
        }
        _d.Dispose();
    }

    private void StartWithThreePorts()
    {
        _d.Start();
        for (int i = 1; i <= 3; i++)
        {
            CtlResult r = _d.Ctl("add-port", $"vm{i}", "vhostuser", "--socket", Socket(i));
            Assert.True(r.ExitCode == 0, r.ToString());
        }
    }

    private string Socket(int port) => Path.Combine(_d.Root, $"vm{port}.sock");

    /// <summary>
    /// A front-end on port vm<paramref name="port"/>, negotiated as DPDK's virtio-user does (no receive buffers yet);
    /// with <paramref name="dataRegion"/> its guest memory has a second 2 MiB region for frame data.
    /// </summary>
    private FakeFrontend Guest(int port, bool dataRegion = false)
    {
        FakeFrontend g = FakeFrontend.Connect(Socket(port), Patience);
        _guests.Add(g);
        g.AddRegion();
        if (dataRegion)
        {
            g.AddRegion(2 << 20);
        }
        g.NegotiateLikeDpdk();
        return g;
    }

    private bool DaemonAlive()
    {
        try
        {
            using Process p = Process.GetProcessById(_d.Pid);
            return !p.HasExited && _d.Ctl("show").ExitCode == 0;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// <paramref name="count"/> (at most 128) broadcast frames from <paramref name="from"/>, with sequence numbers from
    /// <paramref name="first"/>, all arrive at <paramref name="to"/> in order (frames flooded there earlier are ignored).
    /// </summary>
    private static void AssertForwards(FakeFrontend from, FakeFrontend to, int first, int count)
    {
        FakeFrontendRing rx = to.Ring(0);
        FakeFrontendRing tx = from.Ring(1);
        _ = rx.ReceiveFrames(mergeable: false);
        _ = tx.ReadUsed();
        rx.PostReceiveBuffers(count);
        for (int i = 0; i < count; i++)
        {
            tx.Transmit(Frame(first + i));
            tx.Kick();
        }
        var received = new List<byte[]>();
        var clock = Stopwatch.StartNew();
        while (received.Count < count)
        {
            Assert.True(clock.Elapsed < Patience, $"only {received.Count} of {count} frames arrived");
            received.AddRange(rx.ReceiveFrames(mergeable: false).Where(f => Sequence(f) >= first && Sequence(f) < first + count));
            Thread.Sleep(2);
        }
        Assert.Equal(Enumerable.Range(first, count), received.Select(Sequence));
    }

    private static int Sequence(byte[] frame) => frame.Length >= 18 ? System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(frame.AsSpan(14)) : -1;

    /// <summary>A broadcast frame with sequence number <paramref name="seq"/> (source 02:00:00:00:00:seq).</summary>
    private static byte[] Frame(int seq)
    {
        byte[] f = new byte[128];
        f.AsSpan(0, 6).Fill(0xff);
        f[6] = 0x02;
        f[11] = (byte)seq;
        f[12] = 0x88;
        f[13] = 0xb5;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(f.AsSpan(14), seq);
        return f;
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

    private JsonElement WaitForPortState(string port, string state)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.True(DaemonAlive(), "vswitchd died:\n" + _d.Log);
            JsonElement status = _d.Ctl("port-status", port, "--json").Json();
            if (status.GetProperty("state").GetString() == state)
            {
                return status;
            }
            Assert.True(clock.Elapsed < Patience, $"{port} did not reach {state}: {status}\n{_d.Log}");
            Thread.Sleep(50);
        }
    }

    private string WaitForLastError(string port, string containing)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            string? error = _d.Ctl("port-status", port, "--json").Json().GetProperty("last_error").GetString();
            if (error?.Contains(containing, StringComparison.Ordinal) == true)
            {
                return error;
            }
            Assert.True(clock.Elapsed < Patience, $"{port}: last error '{error}' never mentioned '{containing}'");
            Thread.Sleep(50);
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
