using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.TestKit.Net;
using Xunit;

namespace VSwitch.Daemon.Tests.Tap;

/// <summary>
/// Checksum and segmentation offload on tap ports of a real vswitchd, with the kernels of two network namespaces as
/// the peers: iperf3 TCP through the switch, TCP super-frames counted on the taps, the receiving kernels' checksum
/// error counters (/proc/net/snmp InCsumErrors) unchanged, and an md5-checked transfer over the same path. Transfers
/// are of a fixed size, so nothing depends on speed. (iperf3's receiver figure stops at the test's end message, with
/// up to the socket buffers' worth still in flight, so it cannot show that every byte arrived; the md5 transfer does.)
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed partial class TapOffloadTests(ITestOutputHelper output)
{
    private const long TransferBytes = 128L << 20;
    private const int CheckedBytes = 16 << 20;
    private static readonly TimeSpan TransferTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public void Tcp_both_ways_between_two_offloading_taps_crosses_as_super_frames_without_checksum_errors()
    {
        Iperf3.Require();
        using var hosts = new TapNamespaces();
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "0");
        (NetNamespace a, _) = hosts.AddHost(d, "ta", "10.86.0.1/24");
        (NetNamespace b, _) = hosts.AddHost(d, "tb", "10.86.0.2/24");
        try
        {
            Assert.Contains("offloads: csum tso4 tso6 tso_ecn", d.Ctl("port-status", "ta").Stdout, StringComparison.Ordinal);
            TapNamespaces.Ping(a, "10.86.0.2");
            long errorsA = InCsumErrors(a), errorsB = InCsumErrors(b);

            Iperf3Result there = Transfer(a, b, "10.86.0.2", reverse: false);
            (long taRx, long taTx) = SuperFrames(d, "ta");
            (long tbRx, long tbTx) = SuperFrames(d, "tb");
            output.WriteLine($"a -> b: {there}; super-frames ta rx {taRx} tx {taTx}, tb rx {tbRx} tx {tbTx}");
            Assert.True(taRx > 0, "the sender's kernel handed ta no super-frame");
            Assert.True(tbTx > 0, "no super-frame was written to tb");

            Iperf3Result back = Transfer(a, b, "10.86.0.2", reverse: true);
            (long taRx2, long taTx2) = SuperFrames(d, "ta");
            (long tbRx2, long tbTx2) = SuperFrames(d, "tb");
            output.WriteLine($"b -> a: {back}; super-frames ta rx {taRx2} tx {taTx2}, tb rx {tbRx2} tx {tbTx2}");
            Assert.True(tbRx2 > tbRx, "the sender's kernel handed tb no super-frame");
            Assert.True(taTx2 > taTx, "no super-frame was written to ta");

            double there2 = TapNamespaces.Transfer(a, b, "10.86.0.2", CheckedBytes, d.Root);
            double back2 = TapNamespaces.Transfer(b, a, "10.86.0.1", CheckedBytes, d.Root);
            output.WriteLine($"md5-checked {CheckedBytes >> 20} MiB a -> b in {there2:F2} s, b -> a in {back2:F2} s");

            Assert.Equal(errorsA, InCsumErrors(a));
            Assert.Equal(errorsB, InCsumErrors(b));
            Assert.Equal(0, TxDrops(d, "ta", "PacketTooLarge") + TxDrops(d, "tb", "PacketTooLarge"));
        }
        catch
        {
            output.WriteLine("--- vswitchd log:\n" + d.Log);
            throw;
        }
    }

    [Fact]
    public void Tcp_between_an_offloading_tap_and_one_with_offloads_off_arrives_complete_both_ways()
    {
        Iperf3.Require();
        using var hosts = new TapNamespaces();
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "0");
        (NetNamespace a, _) = hosts.AddHost(d, "ta", "10.86.1.1/24");
        (NetNamespace b, _) = hosts.AddHost(d, "tb", "10.86.1.2/24", "--offloads", "off");
        try
        {
            Assert.Contains("offloads: off", d.Ctl("port-status", "tb").Stdout, StringComparison.Ordinal);
            Assert.Contains("\"offloads\": \"off\"", File.ReadAllText(d.DbPath), StringComparison.Ordinal);
            TapNamespaces.Ping(a, "10.86.1.2");
            long errorsA = InCsumErrors(a), errorsB = InCsumErrors(b);

            // b sends: its kernel segments and completes checksums before tb's reads, so plain frames reach ta.
            Iperf3Result fromB = Transfer(b, a, "10.86.1.1", reverse: false);
            double checkedFromB = TapNamespaces.Transfer(b, a, "10.86.1.1", CheckedBytes, d.Root);
            output.WriteLine($"b (offloads off) -> a: {fromB}, md5-checked {CheckedBytes >> 20} MiB in {checkedFromB:F2} s; super-frames tb {SuperFrames(d, "tb")}");
            Assert.Equal((0L, 0L), SuperFrames(d, "tb"));
            Assert.Equal(errorsA, InCsumErrors(a));

            // a sends super-frames into ta; tb accepts none, so the datapath must segment them in software before tb.
            // Without that the tap would drop them as PacketTooLarge: stop the transfer early and fail with that reason.
            (Iperf3Result? fromA, string? abandoned) = Iperf3.Run(a, b, "10.86.1.2", 5201, TransferBytes, reverse: false,
                abandon: () => TxDrops(d, "tb", "PacketTooLarge") > 0
                    ? "tb dropped super-frames as PacketTooLarge: the datapath did not segment them for a port without TSO"
                    : null,
                TransferTimeout);
            Assert.True(abandoned is null, abandoned);
            AssertComplete(fromA!);
            double checkedFromA = TapNamespaces.Transfer(a, b, "10.86.1.2", CheckedBytes, d.Root);
            output.WriteLine($"a -> b (offloads off): {fromA}, md5-checked {CheckedBytes >> 20} MiB in {checkedFromA:F2} s; super-frames ta {SuperFrames(d, "ta")}");
            Assert.True(SuperFrames(d, "ta").Rx > 0, "the sender's kernel handed ta no super-frame");
            Assert.Equal((0L, 0L), SuperFrames(d, "tb"));
            Assert.Equal(errorsA, InCsumErrors(a));
            Assert.Equal(errorsB, InCsumErrors(b));
        }
        catch
        {
            output.WriteLine("--- vswitchd log:\n" + d.Log);
            throw;
        }
    }

    private static Iperf3Result Transfer(NetNamespace client, NetNamespace server, string serverIp, bool reverse)
    {
        (Iperf3Result? result, _) = Iperf3.Run(client, server, serverIp, 5201, TransferBytes, reverse, () => null, TransferTimeout);
        AssertComplete(result!);
        return result!;
    }

    /// <summary>iperf3 ended normally (exit 0, checked by the caller) having sent everything, and its receiver counted data.</summary>
    private static void AssertComplete(Iperf3Result r)
    {
        Assert.True(r.SentBytes >= TransferBytes, $"iperf3 sent {r.SentBytes} of {TransferBytes} bytes");
        Assert.True(r.ReceivedBytes > 0 && r.ReceivedBytes <= r.SentBytes, $"iperf3's receiver counted {r.ReceivedBytes} of {r.SentBytes} bytes");
    }

    /// <summary>
    /// The sum of every InCsumErrors column as seen in <paramref name="ns"/>: Icmp, Tcp, Udp and UdpLite of
    /// /proc/net/snmp, and IpExt of /proc/net/netstat (IPv4 header checksum errors, which /proc/net/snmp does not show).
    /// </summary>
    internal static long InCsumErrors(NetNamespace ns) => SumColumn(ns.ReadSys("/proc/net/snmp")) + SumColumn(ns.ReadSys("/proc/net/netstat"));

    private static long SumColumn(string file)
    {
        string[] lines = file.Split('\n');
        long sum = 0;
        // The files alternate a header line ("Tcp: RtoAlgorithm ... InCsumErrors") and a value line ("Tcp: 1 ...").
        for (int i = 0; i + 1 < lines.Length; i += 2)
        {
            string[] names = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string[] values = lines[i + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int column = Array.IndexOf(names, "InCsumErrors");
            if (column > 0 && column < values.Length)
            {
                sum += long.Parse(values[column], CultureInfo.InvariantCulture);
            }
        }
        return sum;
    }

    internal static (long Rx, long Tx) SuperFrames(DaemonProcess d, string port)
    {
        string status = d.Ctl("port-status", port).Stdout;
        Match m = SuperFramesLine().Match(status);
        Assert.True(m.Success, "no super-frames line in port-status: " + status);
        return (long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    internal static long TxDrops(DaemonProcess d, string port, string reason)
    {
        JsonElement p = d.Ctl("port-stats", port, "--json").Json().GetProperty("ports").EnumerateArray().Single();
        return p.GetProperty("tx").GetProperty("drops_by_reason").TryGetProperty(reason, out JsonElement n) ? n.GetInt64() : 0;
    }

    [GeneratedRegex(@"super-frames: rx (\d+), tx (\d+)")]
    private static partial Regex SuperFramesLine();
}
