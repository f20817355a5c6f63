using System.Diagnostics;
using System.Globalization;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Ports.Pcap;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Pcap.Tests;

/// <summary>
/// The live port on a veth pair whose other end is in a namespace of the test's own: frames sent in the namespace
/// arrive, frames the port sends arrive in the namespace (seen by tcpdump there), and the port never receives its own
/// injected frames back.
/// </summary>
[Collection(LiveCollection.Name)]
public sealed class PcapLivePortTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vspcap").FullName;

    public PcapLivePortTests() => Prerequisite.Require(PcapLibrary.IsInstalled, PcapLibrary.MissingMessage);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Frames_sent_in_the_namespace_arrive_at_the_port()
    {
        RequireNamespaces();
        using VethNamespace veth = VethNamespace.Create("10.91.0.1/24", "02:00:00:91:00:01");
        using PcapLivePort port = PcapLivePort.Open(new PortId(1), "live", veth.HostEnd);

        // ping an absent neighbour: the namespace's kernel broadcasts ARP requests out of its veth end.
        veth.Ping("10.91.0.2", count: 2, deadlineSeconds: 2);
        List<PortPump.Received> got = PortPump.Receive(port, 1, TimeSpan.FromSeconds(5));
        Thread.Sleep(200);
        got.AddRange(PortPump.Receive(port, 100, TimeSpan.FromMilliseconds(300)));

        Assert.NotEmpty(got);
        byte[] mac = Convert.FromHexString("020000910001");
        Assert.Contains(got, r => r.Frame.AsSpan(6, 6).SequenceEqual(mac) && r.Frame[12] == 0x08 && r.Frame[13] == 0x06);
        Assert.Equal(PortState.Up, port.State);
        Assert.Equal(port.RxPool.Count, port.RxPool.Available);
    }

    [Fact]
    public void Frames_the_port_sends_arrive_in_the_namespace_and_are_not_received_back()
    {
        RequireNamespaces();
        Prerequisite.Require(Prerequisite.FindOnPath("tcpdump") is not null, "tcpdump");
        using VethNamespace veth = VethNamespace.Create("10.92.0.1/24", "02:00:00:92:00:01");
        using PcapLivePort port = PcapLivePort.Open(new PortId(1), "live", veth.HostEnd);
        string capture = Path.Combine(_dir, "ns.pcap");
        List<byte[]> frames = CaptureFiles.NumberedFrames(50, src: "02:00:00:92:00:99", dst: "02:00:00:92:00:01");

        using (Process tcpdump = veth.Start("tcpdump", "-i", veth.PeerEnd, "-U", "-n", "-w", capture, "-c", "50", "udp"))
        {
            try
            {
                WaitForListening(tcpdump);
                var pool = new PacketPool(128);
                PortPump.Send(port, frames, pool);
                Assert.Equal(pool.Count, pool.Available);
                Assert.True(tcpdump.WaitForExit(10_000), "tcpdump in the namespace did not see 50 frames");
            }
            finally
            {
                if (!tcpdump.HasExited)
                {
                    tcpdump.Kill();
                    tcpdump.WaitForExit(5000);
                }
            }
        }
        Assert.Equal(50, port.Stats.TxPackets);
        Assert.Equal(frames, CaptureFiles.Read(capture));

        // Direction IN: none of the injected frames come back through the port's own capture.
        List<PortPump.Received> back = PortPump.Receive(port, 100, TimeSpan.FromMilliseconds(500));
        Assert.DoesNotContain(back, r => frames.Any(f => f.AsSpan().SequenceEqual(r.Frame)));
    }

    [Fact]
    public void The_wake_fd_turns_readable_when_a_frame_arrives_and_reading_it_consumes_no_frame()
    {
        RequireNamespaces();
        using VethNamespace veth = VethNamespace.Create("10.94.0.1/24", "02:00:00:94:00:01");
        using PcapLivePort port = PcapLivePort.Open(new PortId(1), "live", veth.HostEnd);
        Assert.True(port.TryGetRxWakeFd(0, out int wakeFd));
        Assert.False(port.TryGetRxWakeFd(1, out _));
        PortPump.Receive(port, 100, TimeSpan.FromMilliseconds(300));
        // Quiet link (IPv6 is off on both ends): nothing to wake for, and arming finds nothing pending.
        Assert.False(Readable(wakeFd, 200));
        Assert.False(port.SetRxWakeup(0, armed: true));

        // ping an absent neighbour: the namespace broadcasts ARP requests out of its veth end.
        veth.Ping("10.94.0.2", count: 1, deadlineSeconds: 1);
        Assert.True(Readable(wakeFd, 5_000), "the wake fd did not turn readable when frames arrived");
        Assert.True(port.SetRxWakeup(0, armed: true));
        // A sleeping datapath thread only waits on wake fds; whoever reads this one reads nothing and loses no frame.
        IntPtr scratch = System.Runtime.InteropServices.Marshal.AllocHGlobal(8);
        try
        {
            Assert.Equal(-1, Mono.Unix.Native.Syscall.read(wakeFd, scratch, 8));
        }
        finally
        {
            System.Runtime.InteropServices.Marshal.FreeHGlobal(scratch);
        }
        List<PortPump.Received> got = PortPump.Receive(port, 1, TimeSpan.FromSeconds(2));
        Assert.Contains(got, r => r.Frame[12] == 0x08 && r.Frame[13] == 0x06);
        PortPump.Receive(port, 100, TimeSpan.FromMilliseconds(300));
        Assert.False(Readable(wakeFd, 0));
    }

    [Fact]
    public void A_missing_interface_is_a_clear_error()
    {
        var e = Assert.Throws<ArgumentException>(() => PcapLivePort.Open(new PortId(1), "live", "vsnosuch" + Environment.ProcessId % 1000));
        Assert.Contains("no such network interface", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_interface_that_is_down_is_brought_up()
    {
        RequireNamespaces();
        using VethNamespace veth = VethNamespace.Create("10.93.0.1/24", "02:00:00:93:00:01", upHostEnd: false);
        Assert.Equal(0, Flags(veth.HostEnd) & 1);
        using PcapLivePort port = PcapLivePort.Open(new PortId(1), "live", veth.HostEnd);
        Assert.Equal(1, Flags(veth.HostEnd) & 1);
    }

    private static int Flags(string iface) =>
        int.Parse(File.ReadAllText($"/sys/class/net/{iface}/flags").Trim()[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static bool Readable(int fd, int timeoutMs)
    {
        var fds = new[] { new Mono.Unix.Native.Pollfd { fd = fd, events = Mono.Unix.Native.PollEvents.POLLIN } };
        return Mono.Unix.Native.Syscall.poll(fds, timeoutMs) > 0 && (fds[0].revents & Mono.Unix.Native.PollEvents.POLLIN) != 0;
    }

    private static void RequireNamespaces() => Prerequisite.Require(VethNamespace.Available, "root and iproute2 for network namespaces");

    private static void WaitForListening(Process tcpdump)
    {
        // tcpdump prints "listening on IF" on stderr once its capture is open.
        Task<string?> line = tcpdump.StandardError.ReadLineAsync();
        Assert.True(line.Wait(TimeSpan.FromSeconds(10)), "tcpdump did not start listening");
        Assert.Contains("listening", line.Result ?? "", StringComparison.Ordinal);
        Thread.Sleep(200);
    }
}

/// <summary>Tests that make namespaces and capture live run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveCollection
{
    /// <summary>The collection name.</summary>
    public const string Name = "pcap live";
}
