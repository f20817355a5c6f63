using VSwitch.Daemon.Tests.Capture;
using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.TestKit;
using VSwitch.TestKit.Net;
using Xunit;

namespace VSwitch.Daemon.Tests.Tunnels;

/// <summary>
/// A vxlan port of a real vswitchd against the Linux kernel's own VXLAN device: host A (a namespace running vswitchd,
/// a tap endpoint behind it) and host K (a namespace with <c>ip link add ... type vxlan</c>) on one veth underlay link.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class VxlanInteropTests(ITestOutputHelper output)
{
    private const int Vni = 4242;

    [Fact]
    public void A_kernel_vxlan_device_and_a_tap_endpoint_behind_vswitchd_exchange_pings_of_every_size_and_tcp_over_well_formed_vxlan()
    {
        using var hosts = new TunnelHosts();
        NetNamespace a = hosts.Namespace("vxa");
        NetNamespace k = hosts.Namespace("vxk");
        TunnelHosts.Link(a, "10.77.0.1/24", k, "ul", "10.77.0.2/24");
        Kernel(k, "ip", "link", "add", "vx0", "type", "vxlan", "id", $"{Vni}", "remote", "10.77.0.1", "local", "10.77.0.2",
            "dstport", "4789", "dev", "ul");
        // A veth passes partial checksums through untouched, and a UDP socket hands a datagram's payload over as it lies:
        // the kernel device's inner TCP checksums would reach vswitchd unfinished. A NIC finishes them on the wire; here
        // the kernel host finishes them itself.
        Kernel(k, "ethtool", "-K", "ul", "tx", "off");
        Kernel(k, "ip", "addr", "add", "192.168.77.2/24", "dev", "vx0");
        Kernel(k, "ip", "link", "set", "vx0", "up");
        DaemonProcess d = hosts.Daemon(a);
        try
        {
            (NetNamespace t, _) = hosts.Endpoint(d, a, "t1", "192.168.77.1/24");
            TunnelHosts.Tunnel(d, "vx1", "10.77.0.1", "10.77.0.2", Vni);
            Assert.Contains("overlay mtu: 1450", d.Ctl("port-status", "vx1").Stdout, StringComparison.Ordinal);

            // 1422 bytes of ICMP payload make a 1450-byte IP packet: the largest a 1500-byte underlay carries in VXLAN.
            string pcap = Path.Combine(d.Root, "underlay.pcap");
            TunnelHosts.Capture(k, "ul", pcap, () =>
            {
                foreach (int size in new[] { 56, 1400, 1422 })
                {
                    TunnelHosts.Ping(t, "192.168.77.2", size);
                    TunnelHosts.Ping(k, "192.168.77.1", size);
                }
            });
            double there = TunnelHosts.Transfer(t, k, "192.168.77.2", d.Root);
            double back = TunnelHosts.Transfer(k, t, "192.168.77.1", d.Root);
            output.WriteLine($"4 MiB tap endpoint -> kernel vxlan in {there:F2} s, back in {back:F2} s");

            // What crossed the underlay is VXLAN as Wireshark reads it: flags 0x08 (I) and our VNI on every packet, echo
            // requests and replies both ways, up to 1450-byte inner IP packets in 1500-byte outer ones.
            Tshark.Require();
            string[] lines = Tshark.Fields(pcap, "udp.dstport == 4789", "ip.src", "ip.dst", "vxlan.flags", "vxlan.vni", "icmp.type",
                "ip.len", "_ws.malformed");
            output.WriteLine($"{lines.Length} VXLAN packets captured on the underlay");
            var packets = lines.Select(l => l.Split('|')).Select(f => (Src: f[0].Split(',')[0], Dst: f[1].Split(',')[0],
                Flags: f[2], Vni: f[3], Icmp: f[4], Len: f[5].Split(','), Malformed: f[6])).ToList();
            Assert.NotEmpty(packets);
            Assert.All(packets, p => Assert.Equal(("0x0800", $"{Vni}", ""), (p.Flags, p.Vni, p.Malformed)));
            foreach ((string src, string dst) in new[] { ("10.77.0.1", "10.77.0.2"), ("10.77.0.2", "10.77.0.1") })
            {
                foreach (string type in new[] { "8", "0" })
                {
                    Assert.Contains(packets, p => p.Src == src && p.Dst == dst && p.Icmp == type && p.Len is ["1500", "1450"]);
                }
            }

            // One byte more than the overlay MTU: vswitchd drops it by name instead of letting the underlay fragment it.
            long tooBig = TunnelHosts.Counter(d, "vx1", "tx", "TunnelTooBig");
            TunnelHosts.PingFails(t, "192.168.77.2", 1423);
            Assert.True(TunnelHosts.Counter(d, "vx1", "tx", "TunnelTooBig") > tooBig, d.Ctl("port-stats", "vx1").Stdout);

            // Hostile datagrams from the remote's address to vswitchd's VXLAN socket: each is dropped by name, and the
            // tunnel keeps working.
            byte[] frame = new byte[60];
            Hostile(k, d.Root, [0x08, 0, 0, 0]);                                                  // shorter than a header
            Hostile(k, d.Root, [0x00, 0, 0, 0, 0, 0x10, 0x92, 0, .. frame]);                    // I flag missing
            Hostile(k, d.Root, [0x08, 0, 0, 0, 0, 0x10, 0x93, 0, .. frame]);                    // VNI 4243
            Eventually.True(() => TunnelHosts.Counter(d, "vx1", "rx", "TunnelTruncated") == 1
                && TunnelHosts.Counter(d, "vx1", "rx", "TunnelBadHeader") == 1
                && TunnelHosts.Counter(d, "vx1", "rx", "TunnelBadVni") == 1, "the three hostile datagrams counted by reason",
                detail: () => d.Ctl("port-stats", "vx1", "--json").Stdout);
            TunnelHosts.Ping(t, "192.168.77.2");
        }
        catch
        {
            output.WriteLine("--- vswitchd log:\n" + d.Log);
            output.WriteLine(d.Ctl("port-stats").Stdout);
            throw;
        }
    }

    /// <summary>Sends <paramref name="payload"/> as one UDP datagram from <paramref name="ns"/> to 10.77.0.1:4789.</summary>
    private static void Hostile(NetNamespace ns, string dir, byte[] payload)
    {
        string file = Path.Combine(dir, "hostile.bin");
        File.WriteAllBytes(file, payload);
        // bash's /dev/udp: one write of the whole file, so one datagram.
        Kernel(ns, "bash", "-c", $"cat '{file}' > /dev/udp/10.77.0.1/4789");
    }

    private static void Kernel(NetNamespace ns, params string[] command)
    {
        (int code, string stdout, string stderr) = ns.Exec(10_000, command);
        Assert.True(code == 0, $"{string.Join(' ', command)} in {ns.Name}: {stdout} {stderr}");
    }
}
