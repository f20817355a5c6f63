using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.Daemon.Tests.Tap;
using VSwitch.Ports.Pcap;
using VSwitch.TestKit;
using VSwitch.TestKit.Net;
using Xunit;

namespace VSwitch.Daemon.Tests.Pcap;

/// <summary>
/// The two kernel-facing port types side by side in one switch: a live pcap port on a veth whose other end lives in a
/// namespace, and a tap port whose interface lives in another namespace. The namespaces ping each other through the
/// switch, and both MACs are learnt on the right ports.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class PcapToTapTests(ITestOutputHelper output)
{
    [Fact]
    public void A_namespace_behind_a_live_pcap_port_pings_a_namespace_behind_a_tap_port()
    {
        Prerequisite.Require(PcapLibrary.IsInstalled, PcapLibrary.MissingMessage);
        Prerequisite.Require(VethNamespace.Available, "root and iproute2 for network namespaces");
        using var hosts = new TapNamespaces();
        using VethNamespace veth = VethNamespace.Create("10.89.0.1/24", "02:00:00:89:00:01");
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "0");
        try
        {
            Assert.Equal(0, d.Ctl("add-port", "wire", "pcap", "--iface", veth.HostEnd).ExitCode);
            (NetNamespace tapNs, _) = hosts.AddHost(d, "tp", "10.89.0.2/24");

            (int code, string text) = veth.Ping("10.89.0.2", count: 5, deadlineSeconds: 20);
            output.WriteLine(text);
            Assert.True(code == 0, "pcap namespace → tap namespace: " + text + d.Ctl("port-stats").Stdout);
            double rtt = TapNamespaces.Ping(tapNs, veth.Address);
            output.WriteLine($"tap namespace → pcap namespace: avg {rtt} ms");

            string fdb = d.Ctl("fdb-show").Stdout;
            output.WriteLine(fdb);
            Assert.Contains("02:00:00:89:00:01", fdb, StringComparison.OrdinalIgnoreCase);
        }
        catch
        {
            output.WriteLine("--- vswitchd log:\n" + d.Log);
            throw;
        }
    }
}
