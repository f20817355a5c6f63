using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.VhostUser.Tests.Support;
using R = VSwitch.TestKit.Virtio.FakeFrontendRequest;

namespace VSwitch.VhostUser.Tests.Session;

/// <summary>
/// Guest memory and the dirty log: SET_MEM_TABLE, ADD/REM_MEM_REG, SET_LOG_BASE, SET_LOG_FD, each with the malformed
/// tables a hostile front-end could send (wrong fd count, overlaps, regions larger than their file, zero sizes).
/// </summary>
public sealed class MemoryRequestTests
{
    [Fact]
    public void Mem_table_with_two_regions_serves_chains_in_either()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.AddRegion(16 << 20);
        FakeFrontendRegion second = f.AddRegion(4 << 20, guestBase: 0x1_0000_0000);
        f.NegotiateLikeQemu(protocolFeatures: FakeFrontend.QemuProtocolFeatures & ~R.ProtocolConfigureMemSlots);
        rig.WaitForState(PortState.Up);
        Assert.Equal(2, rig.Port.GetStatus().MemoryRegions);

        byte[] frame = PortRig.Frame(5, 300);
        byte[] withHeader = new byte[12 + frame.Length];
        frame.CopyTo(withHeader, 12);
        withHeader.CopyTo(second.Memory.Span(0x2000, withHeader.Length));
        FakeFrontendRing tx = f.Ring(1);
        tx.Driver.AddChain(DriverBuffer.Readable(second.GuestBase + 0x2000, (uint)withHeader.Length));
        tx.Driver.PublishAvail();
        Assert.Equal(frame, Assert.Single(rig.Receive(0, 1)));
    }

    [Fact]
    public void Replacing_the_mem_table_while_running_keeps_traffic()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.NegotiateLikeQemu(protocolFeatures: FakeFrontend.QemuProtocolFeatures & ~R.ProtocolConfigureMemSlots);
        rig.WaitForState(PortState.Up);
        f.Ring(1).Transmit(PortRig.Frame(1));
        Assert.Single(rig.Receive(0, 1));
        f.SetMemTable();
        f.GetFeatures();
        Assert.Equal(1, rig.Port.GetStatus().MemoryRegions);
        f.Ring(1).Transmit(PortRig.Frame(2));
        Assert.Equal(PortRig.Frame(2), Assert.Single(rig.Receive(0, 1)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Mem_table_with_the_wrong_number_of_fds_ends_the_session_and_closes_them(int fdCount)
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        FakeFrontendRegion region = f.AddRegion(1 << 20);
        using var probe = new FakeFrontendFdProbe();
        byte[] payload = new byte[40];
        BitConverter.TryWriteBytes(payload, 1u);
        FakeFrontend.WriteRegion(payload.AsSpan(8), region.GuestBase, region.Size, region.UserAddress, 0);
        int[] fds = fdCount == 0 ? [] : [region.Memory.Fd, probe.Fd];
        if (fdCount == 0)
        {
            f.Send(R.SetMemTable, payload);
        }
        else
        {
            f.Send(R.SetMemTable, payload, fds);
            Assert.True(probe.IsClosedEverywhere(PortRig.Timeout));
        }
        Assert.True(f.WaitForClose(PortRig.Timeout));
        Assert.Equal(0, rig.Port.GetStatus().MemoryRegions);
    }

    public static TheoryData<string, ulong, ulong, ulong, ulong, ulong, ulong> BadTables => new()
    {
        { "guest ranges overlap", 0x4000_0000, 0x10_0000, 0x4008_0000, 0x10_0000, 0, 0x1000_0000 },
        { "user ranges overlap", 0x4000_0000, 0x10_0000, 0x8000_0000, 0x10_0000, 0x8_0000, 0 },
        { "region larger than its file", 0x4000_0000, 0x400_0000, 0x8000_0000, 0x10_0000, 0, 0x1000_0000 },
        { "zero size", 0x4000_0000, 0, 0x8000_0000, 0x10_0000, 0, 0x1000_0000 },
        { "guest range wraps", ulong.MaxValue - 0xfff, 0x10_0000, 0x8000_0000, 0x10_0000, 0, 0x1000_0000 },
    };

    [Theory]
    [MemberData(nameof(BadTables))]
    public void Malformed_mem_table_ends_the_session_and_maps_nothing(string why, ulong gpa0, ulong size0, ulong gpa1, ulong size1, ulong userDelta, ulong userGap)
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        using var a = new Memfd(1 << 20);
        using var b = new Memfd(1 << 20);
        byte[] payload = new byte[8 + 64];
        BitConverter.TryWriteBytes(payload, 2u);
        ulong user0 = (ulong)a.HostAddress;
        ulong user1 = userDelta != 0 ? user0 + userDelta : user0 + userGap;
        FakeFrontend.WriteRegion(payload.AsSpan(8), gpa0, size0, user0, 0);
        FakeFrontend.WriteRegion(payload.AsSpan(40), gpa1, size1, user1, 0);
        f.Send(R.SetMemTable, payload, [a.Fd, b.Fd]);
        Assert.True(f.WaitForClose(PortRig.Timeout), why);
        Assert.Equal(0, rig.Port.GetStatus().MemoryRegions);
    }

    [Fact]
    public void Nine_regions_are_more_than_one_message_may_carry()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        var memfds = Enumerable.Range(0, 9).Select(_ => new Memfd(1 << 16)).ToList();
        byte[] payload = new byte[8 + (9 * 32)];
        BitConverter.TryWriteBytes(payload, 9u);
        for (int i = 0; i < 9; i++)
        {
            FakeFrontend.WriteRegion(payload.AsSpan(8 + (32 * i)), (ulong)i << 20, 1 << 16, (ulong)memfds[i].HostAddress, 0);
        }
        f.Send(R.SetMemTable, payload, memfds.Select(m => m.Fd).ToArray());
        Assert.True(f.WaitForClose(PortRig.Timeout));
        memfds.ForEach(m => m.Dispose());
    }

    [Fact]
    public void Add_and_remove_regions_one_by_one()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.SetProtocolFeatures(R.ProtocolConfigureMemSlots | R.ProtocolReplyAck);
        f.UseReplyAck = true;
        Assert.Equal(8UL, f.GetMaxMemSlots());
        FakeFrontendRegion a = f.AddRegion(1 << 20);
        FakeFrontendRegion b = f.AddRegion(1 << 20);
        f.AddMemReg(a);
        f.AddMemReg(b);
        Assert.Equal(2, rig.Port.GetStatus().MemoryRegions);
        using var probe = new FakeFrontendFdProbe();
        // vhost-user spec: REM_MEM_REG may come with one fd, which the back-end must close unused.
        f.Tell(R.RemMemReg, FakeFrontend.SingleRegion(b.GuestBase, b.Size, b.UserAddress, 0), [probe.Fd]);
        Assert.True(probe.IsClosedEverywhere(PortRig.Timeout));
        Assert.Equal(1, rig.Port.GetStatus().MemoryRegions);
        f.UseReplyAck = false;
        f.Send(R.RemMemReg, FakeFrontend.SingleRegion(b.GuestBase, b.Size, b.UserAddress, 0), flags: FakeFrontend.Version1 | FakeFrontend.NeedReplyFlag);
        var replies = new List<FakeFrontendReply>();
        Assert.True(f.WaitForClose(PortRig.Timeout, replies), "removing a region that is not there");
        Assert.NotEqual(0UL, Assert.Single(replies).U64);
    }

    [Fact]
    public void Add_region_beyond_the_slot_limit_ends_the_session()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.SetProtocolFeatures(R.ProtocolConfigureMemSlots);
        for (int i = 0; i < 8; i++)
        {
            f.AddMemReg(f.AddRegion(1 << 16));
        }
        f.GetFeatures();
        Assert.Equal(8, rig.Port.GetStatus().MemoryRegions);
        f.AddMemReg(f.AddRegion(1 << 16));
        Assert.True(f.WaitForClose(PortRig.Timeout));
    }

    [Fact]
    public void Add_region_without_ConfigureMemSlots_ends_the_session()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.AddMemReg(f.AddRegion(1 << 16));
        Assert.True(f.WaitForClose(PortRig.Timeout));
    }

    [Fact]
    public void Dirty_log_marks_every_page_the_switch_writes()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.NegotiateLikeQemu(features: FakeFrontend.LinuxGuestFeatures | R.FeatureLogAll);
        rig.WaitForState(PortState.Up);
        Assert.Contains("LogAll", rig.Port.GetStatus().AckedFeatures);
        // One bit per 4 KiB page from guest address 0 up to the end of guest RAM.
        FakeFrontendRegion ram = f.Regions[0];
        ulong pages = (ram.GuestBase + ram.Size) / 4096;
        using var log = new Memfd((long)((pages + 7) / 8) + 4096);
        FakeFrontendReply reply = f.SetLogBase(log.Fd, (pages + 7) / 8, 4096);
        Assert.Equal(R.SetLogBase, reply.Request);
        Assert.Equal(0UL, reply.U64);

        FakeFrontendRing rx = f.Ring(0);
        rx.PostReceiveBuffers(4);
        rig.Send(0, [PortRig.Frame(1, 1000)]);
        (uint id, _) = rx.Driver.ReadUsed().Single();
        byte[] bits = log.Span(4096, (int)((pages + 7) / 8)).ToArray();
        bool Dirty(ulong gpa) => (bits[(int)(gpa / 4096 / 8)] & (1 << (int)(gpa / 4096 % 8))) != 0;
        Assert.True(Dirty(rx.Driver.UsedRing.Value), "used ring page");
        ulong descriptor = rx.Driver.DescTable.Value + (16 * id);
        ulong buffer = BitConverter.ToUInt64(f.GuestSpan(descriptor, 8));
        Assert.True(Dirty(buffer), "receive buffer page");
        Assert.False(Dirty(f.Ring(1).Driver.UsedRing.Value), "a ring nothing was written to");
    }

    [Fact]
    public void Log_base_without_LogShmfd_ends_the_session()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        using var log = new Memfd(4096);
        byte[] payload = new byte[16];
        BitConverter.TryWriteBytes(payload, 4096UL);
        f.Send(R.SetLogBase, payload, [log.Fd]);
        Assert.True(f.WaitForClose(PortRig.Timeout));
    }

    [Fact]
    public void Log_larger_than_its_file_ends_the_session()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        f.SetProtocolFeatures(R.ProtocolLogShmfd);
        using var log = new Memfd(4096);
        byte[] payload = new byte[16];
        BitConverter.TryWriteBytes(payload, 1UL << 20);
        f.Send(R.SetLogBase, payload, [log.Fd]);
        Assert.True(f.WaitForClose(PortRig.Timeout));
    }

    [Fact]
    public void Log_fd_is_kept_for_the_session_and_closed_after_it()
    {
        using var rig = new PortRig();
        using var f = rig.Connect();
        using var probe = new FakeFrontendFdProbe();
        f.Send(R.SetLogFd, [], [probe.Fd]);
        f.GetFeatures();
        Assert.False(probe.IsClosedEverywhere(TimeSpan.FromMilliseconds(200)));
        f.Disconnect();
        Assert.True(probe.IsClosedEverywhere(PortRig.Timeout));
    }
}
