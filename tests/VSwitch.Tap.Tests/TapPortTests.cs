using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Ports.Tap;
using VSwitch.TestKit;
using VSwitch.TestKit.Net;

using Xunit;

namespace VSwitch.Tap.Tests;

/// <summary>Create/attach/delete semantics, options and link state of <see cref="TapPort"/> against the real kernel.</summary>
[Collection(TapCollection.Name)]
public sealed class TapPortTests
{
    private static void RequireTap()
    {
        Prerequisite.Require(Prerequisite.IsRoot, "TAP tests need root (CAP_NET_ADMIN)");
        Prerequisite.Require(File.Exists("/dev/net/tun"), "/dev/net/tun is missing");
    }

    private static TapPort Open(string ifName, int queues = 1, int? mtu = null) =>
        TapPort.Open(new TapPortOptions { Name = "p", IfName = ifName, Queues = queues, Mtu = mtu }, new PortId(1));

    [Fact]
    public void A_created_interface_is_up_and_disappears_when_the_port_is_disposed()
    {
        RequireTap();
        string ifName = HostCommand.UniqueName("vtc");
        TapPort port = Open(ifName);
        try
        {
            Assert.True(HostCommand.LinkExists(ifName));
            Assert.True(port.Created);
            TapPortStatus s = port.GetStatus();
            Assert.Equal(ifName, s.IfName);
            Assert.Equal(int.Parse(File.ReadAllText($"/sys/class/net/{ifName}/ifindex").Trim()), s.IfIndex);
            Assert.Equal(PortState.Up, port.State);
            Assert.Equal("UP,RUNNING", s.Flags);
            Assert.False(s.OtherNamespace);
            // IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, no IFF_MULTI_QUEUE
            Assert.Equal(0x5002, Convert.ToInt32(File.ReadAllText($"/sys/class/net/{ifName}/tun_flags").Trim(), 16) & 0x5102);
        }
        finally
        {
            port.Dispose();
        }
        Assert.False(HostCommand.LinkExists(ifName));
    }

    [Fact]
    public void An_existing_persistent_tap_is_attached_to_and_left_in_place()
    {
        RequireTap();
        string ifName = HostCommand.UniqueName("vta");
        HostCommand.Ip("tuntap", "add", "dev", ifName, "mode", "tap");
        try
        {
            TapPort port = Open(ifName);
            Assert.False(port.Created);
            Assert.False(port.GetStatus().Created);
            Assert.Contains("UP", HostCommand.Ip("link", "show", ifName), StringComparison.Ordinal);
            port.Dispose();
            Assert.True(HostCommand.LinkExists(ifName));
        }
        finally
        {
            HostCommand.IpQuiet("link", "del", ifName);
        }
    }

    [Fact]
    public void A_name_taken_by_a_non_tap_device_gives_a_clear_error()
    {
        RequireTap();
        // The loopback device always exists and is not a tap.
        IOException e = Assert.Throws<IOException>(() => Open("lo"));
        Assert.Contains("'lo' exists but is not a tap device", e.Message, StringComparison.Ordinal);
        Assert.Contains("UP", HostCommand.Ip("link", "show", "lo"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_tap_held_by_another_fd_is_reported_busy()
    {
        RequireTap();
        string ifName = HostCommand.UniqueName("vtb");
        using TapPort first = Open(ifName);
        IOException e = Assert.Throws<IOException>(() => Open(ifName));
        Assert.Contains("already in use", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abcdefghijklmnop")]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("")]
    [InlineData("..")]
    public void Invalid_interface_names_are_rejected_before_any_system_call(string ifName)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => Open(ifName));
        Assert.Contains("interface name", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Multi_queue_opens_one_fd_per_queue_and_refuses_a_single_queue_tap()
    {
        RequireTap();
        string ifName = HostCommand.UniqueName("vtm");
        using (TapPort port = Open(ifName, queues: 4))
        {
            Assert.Equal(4, port.RxQueueCount);
            Assert.Equal(4, port.TxQueueCount);
            Assert.Equal(0x100, Convert.ToInt32(File.ReadAllText($"/sys/class/net/{ifName}/tun_flags").Trim(), 16) & 0x100);
            for (int q = 0; q < 4; q++)
            {
                Assert.True(port.TryGetRxWakeFd(q, out int fd) && fd >= 0);
            }
        }
        string single = HostCommand.UniqueName("vts");
        HostCommand.Ip("tuntap", "add", "dev", single, "mode", "tap");
        try
        {
            IOException e = Assert.Throws<IOException>(() => Open(single, queues: 2));
            Assert.Contains("is not a multi_queue tap device", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            HostCommand.IpQuiet("link", "del", single);
        }
    }

    [Fact]
    public void The_mtu_is_set_on_the_interface_and_changes_made_outside_are_seen()
    {
        RequireTap();
        string ifName = HostCommand.UniqueName("vtu");
        using TapPort port = Open(ifName, mtu: 9000);
        Assert.Equal("9000", File.ReadAllText($"/sys/class/net/{ifName}/mtu").Trim());
        Assert.Equal(9000, port.GetStatus().Mtu);
        HostCommand.Ip("link", "set", ifName, "mtu", "1400");
        Assert.Equal(1400, port.GetStatus().Mtu);
    }

    [Fact]
    public void An_mtu_the_kernel_refuses_gives_a_clear_error_and_removes_the_created_interface()
    {
        RequireTap();
        string ifName = HostCommand.UniqueName("vtx");
        IOException e = Assert.Throws<IOException>(() => Open(ifName, mtu: 70_000));
        Assert.Contains("cannot set MTU 70000", e.Message, StringComparison.Ordinal);
        Assert.False(HostCommand.LinkExists(ifName));
    }

    [Fact]
    public void Link_state_follows_the_interface_flags()
    {
        RequireTap();
        string ifName = HostCommand.UniqueName("vtl");
        using TapPort port = Open(ifName);
        Assert.Equal(PortState.Up, port.GetStatus().State);
        HostCommand.Ip("link", "set", ifName, "down");
        TapPortStatus down = port.GetStatus();
        Assert.Equal(PortState.Down, down.State);
        Assert.Equal("DOWN", down.Flags);
        Thread.Sleep(TapPort.LinkRefreshMs + 50);
        Assert.Equal(PortState.Down, port.State);

        // Writes to a tap that is down are refused by the kernel: counted as PortDown, every packet freed.
        var pool = new PacketPool(8, 2048);
        var batch = new PacketBatch();
        Assert.True(pool.TryRent(out PacketBuffer? p));
        Assert.True(p.TryCopyFrom(PacketFactory.Ipv4Udp(payloadLength: 64)));
        batch.TryAdd(p);
        port.Send(0, batch);
        Assert.Equal(1, port.Stats.Tx[0].Drops[DropReason.PortDown]);
        Assert.Equal(8, pool.Available);

        HostCommand.Ip("link", "set", ifName, "up");
        Thread.Sleep(TapPort.LinkRefreshMs + 50);
        Assert.Equal(PortState.Up, port.State);
    }

    [Fact]
    public void Disposing_twice_is_harmless_and_a_disposed_port_drops_sends()
    {
        RequireTap();
        string ifName = HostCommand.UniqueName("vtz");
        TapPort port = Open(ifName);
        port.Dispose();
        port.Dispose();
        Assert.Equal(PortState.Down, port.State);
        var pool = new PacketPool(4, 2048);
        var batch = new PacketBatch();
        Assert.True(pool.TryRent(out PacketBuffer? p));
        Assert.True(p.TryCopyFrom(PacketFactory.Ipv4Udp()));
        batch.TryAdd(p);
        port.Send(0, batch);
        Assert.Equal(1, port.Stats.Tx[0].Drops[DropReason.PortDown]);
        Assert.Equal(0, port.Receive(0, batch));
        Assert.Equal(4, pool.Available);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TapCollection
{
    public const string Name = "Tap";
}
