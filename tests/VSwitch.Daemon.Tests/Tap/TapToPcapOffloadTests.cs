using System.Globalization;
using System.Text.Json;
using VSwitch.Daemon.Tests.Capture;
using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.Ports.Pcap;
using VSwitch.TestKit;
using VSwitch.TestKit.Net;
using Xunit;

namespace VSwitch.Daemon.Tests.Tap;

/// <summary>
/// A pcap port as a receiver of offloaded traffic: two namespaces exchange md5-checked TCP through two offloading taps of
/// a real vswitchd, and flows copy every frame to a pcap port recording a file. The kernels hand the taps super-frames
/// with pending checksums; a pcap port takes no offloads, so what it records must be what a wire would carry: segments
/// of at most 1514 bytes, each with good IPv4 and TCP checksums, as tshark validates them. One direction sends the
/// pcap port the super-frame itself (the last output: segmented at the port's egress), the other a copy (an earlier
/// output of a super-frame too large to clone: made as segments when copied).
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class TapToPcapOffloadTests(ITestOutputHelper output)
{
    private const int CheckedBytes = 8 << 20;

    /// <summary>The longest frame an MTU of 1500 allows on the wire, without FCS: 14 bytes of Ethernet header, 1500 of IP.</summary>
    private const int MaxWireFrame = 1514;

    private static readonly string[] ChecksumPrefs = ["-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE"];

    [Fact]
    public void A_pcap_port_copied_the_super_frames_of_two_offloading_taps_records_only_segments_with_good_checksums()
    {
        Prerequisite.Require(PcapLibrary.IsInstalled, PcapLibrary.MissingMessage);
        Tshark.Require();
        using var hosts = new TapNamespaces();
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "0");
        string file = Path.Combine(d.Root, "copied.pcap");
        (NetNamespace a, _) = hosts.AddHost(d, "ta", "10.86.5.1/24", "--ofport", "1");
        (NetNamespace b, _) = hosts.AddHost(d, "tb", "10.86.5.2/24", "--ofport", "2");
        Assert.Equal(0, d.Ctl("add-port", "rec", "pcap", "--tx-file", file, "--ofport", "3").ExitCode);
        // a -> b: the pcap port is the last output, so it is handed the super-frame and the datapath segments it for the
        // port. b -> a: the pcap port comes first, so it gets a copy, which a super-frame longer than a pool buffer
        // cannot be: the copy is made as segments.
        Assert.Equal(0, d.Ctl("add-flow", "priority=100,in_port=1,actions=output:2,output:3").ExitCode);
        Assert.Equal(0, d.Ctl("add-flow", "priority=100,in_port=2,actions=output:3,output:1").ExitCode);
        try
        {
            Assert.Contains("offloads: csum tso4 tso6 tso_ecn", d.Ctl("port-status", "ta").Stdout, StringComparison.Ordinal);
            TapNamespaces.Ping(a, "10.86.5.2");

            double there = TapNamespaces.Transfer(a, b, "10.86.5.2", CheckedBytes, d.Root);
            double back = TapNamespaces.Transfer(b, a, "10.86.5.1", CheckedBytes, d.Root);
            (long taRx, _) = TapOffloadTests.SuperFrames(d, "ta");
            (long tbRx, _) = TapOffloadTests.SuperFrames(d, "tb");
            output.WriteLine($"md5-checked {CheckedBytes >> 20} MiB a -> b in {there:F2} s, b -> a in {back:F2} s; super-frames received: ta {taRx}, tb {tbRx}");
            // Without super-frames from both kernels the test would prove nothing about offloaded traffic.
            Assert.True(taRx > 0, "a's kernel handed ta no super-frame");
            Assert.True(tbRx > 0, "b's kernel handed tb no super-frame");

            // Every frame the pcap port accepted gets written; wait for the recorder to catch up, then close the file.
            JsonElement tx = TxOf(d, "rec");
            long accepted = tx.GetProperty("packets").GetInt64();
            Eventually.True(() => Recorded(d, "rec") == accepted, "the pcap port to record the frames it accepted",
                detail: () => d.Ctl("port-status", "rec").Stdout);
            long ringFull = Drops(tx, "PcapRingFull");
            output.WriteLine($"rec: {accepted} frames accepted and recorded, {ringFull} dropped as PcapRingFull (the recorder fell behind)");
            Assert.Equal(0, Drops(tx, "PacketTooLarge"));
            Assert.Equal(0, d.Ctl("del-port", "rec").ExitCode);
        }
        catch
        {
            output.WriteLine("--- vswitchd log:\n" + d.Log);
            throw;
        }

        // tshark 4.0 checksum status: 0 Bad, 1 Good, 2 Unverified. A TCP checksum computed as 0 is sent as 0xffff (its
        // other one's-complement form, as Linux does); tshark calls it bad with its own note, so it is counted apart.
        int frames = Count(file, "frame");
        int data = Count(file, "tcp.len > 0");
        int oversized = Count(file, $"frame.len > {MaxWireFrame}");
        int bad = Count(file, "(tcp.checksum.status == 0 && !tcp.checksum.ffff) || ip.checksum.status == 0");
        int notGood = Count(file, "(tcp && !(tcp.checksum.status == 1) && !tcp.checksum.ffff) || (ip && !(ip.checksum.status == 1))");
        int negativeZero = Count(file, "tcp.checksum.ffff");
        int fromA = Count(file, "ip.src == 10.86.5.1 && tcp.len > 0"), fromB = Count(file, "ip.src == 10.86.5.2 && tcp.len > 0");
        output.WriteLine($"{Path.GetFileName(file)}: {frames} frames, {data} TCP with data ({fromA} from a, {fromB} from b), {oversized} longer than {MaxWireFrame} B, "
            + $"{bad} bad checksums, {notGood} not validated good, {negativeZero} TCP checksums 0xffff for 0");
        if (notGood > 0)
        {
            output.WriteLine(string.Join('\n', Tshark.Run(Tshark.Path, ["-r", file, .. ChecksumPrefs, "-V", "-c", "2000", "-Y",
                "(tcp && !(tcp.checksum.status == 1) && !tcp.checksum.ffff) || (ip && !(ip.checksum.status == 1))"]).Take(300)));
        }
        // Both directions are in the file (a full recorder ring may have dropped some frames, never most of them).
        Assert.True(fromA > 100 && fromB > 100, $"the transfers are not in the file: {fromA} data frames from a, {fromB} from b");
        Assert.Equal(0, oversized);
        Assert.Equal(0, bad);
        Assert.Equal(0, notGood);
    }

    private static int Count(string file, string filter) =>
        Tshark.Run(Tshark.Path, ["-r", file, .. ChecksumPrefs, "-T", "fields", "-e", "frame.number", "-Y", filter]).Length;

    private static JsonElement TxOf(DaemonProcess d, string port) =>
        d.Ctl("port-stats", port, "--json").Json().GetProperty("ports").EnumerateArray().Single().GetProperty("tx");

    private static long Drops(JsonElement tx, string reason) =>
        tx.GetProperty("drops_by_reason").TryGetProperty(reason, out JsonElement n) ? n.GetInt64() : 0;

    private static long Recorded(DaemonProcess d, string port)
    {
        foreach (JsonElement e in d.Ctl("port-status", port, "--json").Json().GetProperty("details").EnumerateArray())
        {
            if (e.GetProperty("key").GetString() == "frames recorded")
            {
                return long.Parse(e.GetProperty("value").GetString()!, CultureInfo.InvariantCulture);
            }
        }
        throw new Xunit.Sdk.XunitException("port-status shows no 'frames recorded': " + d.Ctl("port-status", port).Stdout);
    }
}
