using System.Collections.Immutable;
using VSwitch.Control.Model;
using VSwitch.Control.Rpc;
using VSwitch.Control.Runtime;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Net;
using VSwitch.Core.Ports;
using VSwitch.Rpc.Messages;
using Xunit;

namespace VSwitch.Control.Tests.Rpc;

/// <summary>The RPC edge of the runtime's records: what the CLI receives for each of them.</summary>
public sealed class RuntimeMessagesTests
{
    private static readonly PortConfig Vm1 = new("vm1", "vhostuser", 3, null, null, 1500,
        ImmutableSortedDictionary<string, string>.Empty.Add("socket", "/run/vm1.sock"));

    [Fact]
    public void Port_status_takes_name_type_and_number_from_the_config_and_marks_broken_rings()
    {
        var report = new PortStatusReport(PortState.Up, "connected (connections so far: 1)", "/run/vm1.sock", 1500, 1, "last")
        {
            VirtioFeatures = ["MrgRxbuf", "EventIdx"],
            ProtocolFeatures = ["Mq"],
            Vrings = [new VringStatus(0, 256, true, true, 5, 4, null), new VringStatus(1, 256, true, false, 0, 0, "loop")],
        };
        PortStatusResult r = RuntimeMessages.PortStatus(Vm1, report);
        Assert.Equal(("vm1", "vhostuser", 3, "up"), (r.Name, r.Type, r.OfPort, r.State));
        Assert.Equal(("connected (connections so far: 1)", "/run/vm1.sock", 1500, 1, "last"),
            (r.Connection, r.Socket, r.Mtu, r.QueuePairs, r.LastError));
        Assert.Equal(["MrgRxbuf", "EventIdx"], r.VirtioFeatureNames);
        Assert.Equal(["Mq"], r.ProtocolFeatureNames);
        Assert.Equal([false, true], r.Vrings.Select(v => v.Broken));
        Assert.Equal("loop", r.Vrings[1].BrokenReason);
        Assert.Equal((5, 4), (r.Vrings[0].NextAvail, r.Vrings[0].NextUsed));
        Assert.Null(r.Details);
    }

    [Fact]
    public void Port_status_details_keep_their_order_and_a_port_in_error_says_so()
    {
        var report = new PortStatusReport(PortState.Error, null, null, null, 0, "no such device")
        {
            Details = [new("interface", "tap0"), new("ifindex", "7")],
        };
        PortStatusResult r = RuntimeMessages.PortStatus(Vm1, report);
        Assert.Equal("error", r.State);
        Assert.Equal([new PortDetail("interface", "tap0"), new PortDetail("ifindex", "7")], r.Details!);
    }

    [Fact]
    public void Pmd_stats_average_the_batch_and_name_the_drops()
    {
        var drops = new DropCounters();
        drops.Add(DropReason.NoRule, 3);
        PmdStatsInfo s = RuntimeMessages.PmdStats(new PmdThreadStats(1, 2, 64, 4, 10, 20, 30, 40, 50, 60, drops)
        {
            Sleeps = 7,
            Collections = new GcCounts(3, 2, 1),
        });
        Assert.Equal(16, s.AvgBatchSize);
        Assert.Equal(new Dictionary<string, long> { ["NoRule"] = 3 }, s.DropsByReason);
        Assert.Equal((7, 3, 2, 1), (s.Sleeps, s.GcGen0, s.GcGen1, s.GcGen2));
        Assert.Equal(0, RuntimeMessages.PmdStats(new PmdThreadStats(0, null, 0, 0, 0, 0, 0, 0, 0, 0, new DropCounters())).AvgBatchSize);
    }

    [Fact]
    public void Pmd_stage_times_become_nanoseconds_per_timed_packet_and_are_absent_when_nothing_was_timed()
    {
        var stats = new PmdThreadStats(0, null, 6400, 200, 10, 20, 0, 0, 0, 0, new DropCounters())
        {
            Stages = new PmdStageTimes(Batches: 3, Packets: 96, RxNs: 960, PipelineNs: 1920, TxNs: 2880, CompleteNs: 480),
        };
        PmdStageInfo s = RuntimeMessages.PmdStats(stats).Stages!;
        Assert.Equal((3, 96), (s.SampledBatches, s.SampledPackets));
        Assert.Equal((10.0, 20.0, 30.0, 5.0), (s.RxNsPerPacket, s.PipelineNsPerPacket, s.TxNsPerPacket, s.CompleteNsPerPacket));
        Assert.Equal(6240, s.TotalNs);
        Assert.Null(RuntimeMessages.PmdStats(stats with { Stages = null }).Stages);
        Assert.Null(RuntimeMessages.PmdStats(stats with { Stages = new PmdStageTimes(0, 0, 0, 0, 0, 0) }).Stages);
    }

    [Theory]
    [InlineData("rx", "pcapng")]
    [InlineData("tx", "pcap")]
    [InlineData("both", "pcapng")]
    public void A_capture_reports_the_direction_and_format_it_was_started_with(string direction, string format)
    {
        CaptureRequest request = RuntimeMessages.CaptureRequest(
            new CaptureStartParams(["vm1", "vm2"], direction, "icmp", 128, format, 10, 1.5, true));
        CaptureInfo info = RuntimeMessages.Capture(new CaptureStatus(4, request, CaptureState.Running, 9, 1, 2, 0.5, null));
        Assert.Equal((4, direction, format, "running"), (info.Id, info.Direction, info.Format, info.State));
        Assert.Equal(["vm1", "vm2"], info.Ports);
        Assert.Equal(("icmp", 128, true), (info.Filter, info.Snaplen, info.Drops));
        Assert.Equal((9, 1, 2), (info.Captured, info.Dropped, info.Filtered));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_capture_asks_for_super_frames_as_segments_only_when_told(bool segments)
    {
        var p = new CaptureStartParams(["vm1"], "both", null, 65535, "pcapng", 0, 0, false, segments);
        Assert.Equal(segments, RuntimeMessages.CaptureRequest(p).Segments);
        Assert.False(RuntimeMessages.CaptureRequest(p with { Segments = false }).Segments);
    }

    [Fact]
    public void Fdb_entries_print_the_mac_and_carry_the_port_name_given()
    {
        FdbEntryInfo e = RuntimeMessages.FdbEntry(new LearnedMac(3, 10, MacAddress.Parse("52:54:00:00:00:01"), 42), "vm1");
        Assert.Equal(new FdbEntryInfo(3, "vm1", 10, "52:54:00:00:00:01", 42), e);
    }
}
