using System.Buffers.Binary;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using Xunit;

namespace VSwitch.Virtio.Tests.Net;

/// <summary>
/// Switch to guest with offloads, on both ring layouts: the packet's offload metadata written into the virtio-net header
/// (num_buffers as before), super-frames over mergeable buffers and over one big chain, and packets asking for an offload
/// the driver did not accept refused by name with nothing written.
/// </summary>
public sealed class OffloadTxTests
{
    public static TheoryData<bool> Layouts() => new() { false, true };

    private static PacketOffload Csum() => new() { Flags = OffloadFlags.NeedsCsum, CsumStart = 34, CsumOffset = 16 };

    private static PacketOffload Tso4(bool ecn = false) => new()
    {
        Flags = OffloadFlags.NeedsCsum, Gso = GsoType.TcpV4, GsoEcn = ecn, HdrLen = 54, GsoSize = 1448, CsumStart = 34, CsumOffset = 16,
    };

    private static PacketOffload Tso6() => new()
    {
        Flags = OffloadFlags.NeedsCsum, Gso = GsoType.TcpV6, HdrLen = 74, GsoSize = 1428, CsumStart = 54, CsumOffset = 16,
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_pending_checksum_is_written_into_the_header(bool packed)
    {
        var rig = new OffloadRig(packed);
        ulong buffer = rig.Allocate(2048);
        rig.AddChain(DriverBuffer.Writable(buffer, 2048));
        rig.Publish();
        byte[] frame = NetRig.Frame(100, 1);
        rig.Batch.TryAdd(OffloadRig.Packet(rig.Pool, frame, Csum()));

        rig.Send(OffloadRig.All, mergeable: true);

        Assert.Equal(112u, Assert.Single(rig.Used()).Length);
        Assert.Equal(OffloadRig.Header(flags: 1, csumStart: 34, csumOffset: 16, numBuffers: 1), rig.Read(buffer, 12));
        Assert.Equal(frame, rig.Read(buffer + 12, frame.Length));
        Assert.Equal(rig.Pool.Count, rig.Pool.Available);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_plain_packet_after_an_offloaded_one_gets_a_zero_header(bool packed)
    {
        var rig = new OffloadRig(packed);
        ulong a = rig.Allocate(2048);
        ulong b = rig.Allocate(2048);
        rig.AddChain(DriverBuffer.Writable(a, 2048));
        rig.AddChain(DriverBuffer.Writable(b, 2048));
        rig.Publish();
        rig.Batch.TryAdd(OffloadRig.Packet(rig.Pool, NetRig.Frame(100, 2), Csum()));
        rig.Batch.TryAdd(OffloadRig.Packet(rig.Pool, NetRig.Frame(100, 3)));

        rig.Send(OffloadRig.All, mergeable: true);

        Assert.Equal(2, rig.Used().Count);
        Assert.Equal(OffloadRig.Header(numBuffers: 1), rig.Read(b, 12));
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_super_frame_spreads_over_mergeable_buffers_with_its_segmentation_header(bool packed)
    {
        var rig = new OffloadRig(packed);
        var buffers = new List<ulong>();
        for (int i = 0; i < 40; i++)
        {
            ulong gpa = rig.Allocate(2048);
            buffers.Add(gpa);
            rig.AddChain(DriverBuffer.Writable(gpa, 2048));
        }
        rig.Publish();
        byte[] frame = NetRig.Frame(64000, 4);
        rig.Batch.TryAdd(OffloadRig.Packet(rig.Large, frame, Tso4(ecn: true)));

        rig.Send(OffloadRig.All, mergeable: true);

        List<(uint Id, uint Length)> used = rig.Used();
        int expected = (frame.Length + 12 + 2047) / 2048;
        Assert.Equal(expected, used.Count);
        Assert.Equal(OffloadRig.Header(flags: 1, gsoType: 0x81, hdrLen: 54, gsoSize: 1448, csumStart: 34, csumOffset: 16, numBuffers: (ushort)expected),
            rig.Read(buffers[0], 12));
        var received = new List<byte>(rig.Read(buffers[0] + 12, 2048 - 12));
        for (int i = 1; i < expected; i++)
        {
            received.AddRange(rig.Read(buffers[i], (int)used[i].Length));
        }
        Assert.Equal(frame, received.ToArray());
        Assert.Equal(1, rig.Stats.Packets);
        Assert.Equal(frame.Length, rig.Stats.Bytes);
        Assert.Equal(rig.Large.Count, rig.Large.Available);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_super_frame_fills_one_big_chain_without_mergeable_buffers(bool packed)
    {
        // Linux without MRG_RXBUF but with GUEST_TSO posts "big packets": a header buffer, then a chain of pages.
        var rig = new OffloadRig(packed);
        ulong header = rig.Allocate(12);
        var pages = new List<ulong>();
        var chain = new List<DriverBuffer> { DriverBuffer.Writable(header, 12) };
        for (int i = 0; i < 17; i++)
        {
            ulong page = rig.Allocate(4096);
            pages.Add(page);
            chain.Add(DriverBuffer.Writable(page, 4096));
        }
        rig.AddChain([.. chain]);
        rig.Publish();
        byte[] frame = NetRig.Frame(60000, 5);
        rig.Batch.TryAdd(OffloadRig.Packet(rig.Large, frame, Tso6()));

        rig.Send(OffloadRig.All, mergeable: false);

        Assert.Equal((uint)(12 + frame.Length), Assert.Single(rig.Used()).Length);
        Assert.Equal(OffloadRig.Header(flags: 1, gsoType: 4, hdrLen: 74, gsoSize: 1428, csumStart: 54, csumOffset: 16, numBuffers: 1), rig.Read(header, 12));
        var received = new List<byte>();
        foreach (ulong page in pages)
        {
            received.AddRange(rig.Read(page, 4096));
        }
        Assert.Equal(frame, received.Take(frame.Length).ToArray());
    }

    public static TheoryData<string, bool, int, PortOffloads> Refusals()
    {
        var data = new TheoryData<string, bool, int, PortOffloads>();
        foreach (bool packed in new[] { false, true })
        {
            data.Add("checksum to a driver without GUEST_CSUM", packed, 0, PortOffloads.None);
            data.Add("TCPv4 super-frame to a driver without GUEST_TSO4", packed, 1, PortOffloads.Csum | PortOffloads.Tso6);
            data.Add("TCPv6 super-frame to a driver without GUEST_TSO6", packed, 2, PortOffloads.Csum | PortOffloads.Tso4);
            data.Add("ECN super-frame to a driver without GUEST_ECN", packed, 3, PortOffloads.Csum | PortOffloads.Tso4);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public void An_offload_the_driver_did_not_accept_is_refused_and_nothing_is_written(string what, bool packed, int kind, PortOffloads accepted)
    {
        _ = what;
        var rig = new OffloadRig(packed);
        ulong buffer = rig.Allocate(4096);
        rig.AddChain(DriverBuffer.Writable(buffer, 4096));
        rig.Publish();
        byte[] before = rig.Read(buffer, 4096);
        PacketOffload offload = kind switch { 0 => Csum(), 1 => Tso4(), 2 => Tso6(), _ => Tso4(ecn: true) };
        rig.Batch.TryAdd(OffloadRig.Packet(rig.Pool, NetRig.Frame(1000, 6), offload));

        Assert.False(rig.Send(accepted, mergeable: true));

        Assert.Equal(1, rig.Stats.Drops[DropReason.TxOffloadRefused]);
        Assert.Empty(rig.Used());
        Assert.Equal(before, rig.Read(buffer, 4096));
        Assert.Equal(rig.Pool.Count, rig.Pool.Available);
        // The buffer stays for the next packet.
        rig.Batch.TryAdd(OffloadRig.Packet(rig.Pool, NetRig.Frame(100, 7)));
        rig.Send(accepted, mergeable: true);
        Assert.Single(rig.Used());
    }

    [Theory]
    [InlineData(false, PortOffloads.Csum, 2)]
    [InlineData(false, PortOffloads.None, 0)]
    [InlineData(true, PortOffloads.Csum, 2)]
    [InlineData(true, PortOffloads.None, 0)]
    public void Data_valid_reaches_only_a_driver_with_GUEST_CSUM(bool packed, PortOffloads accepted, byte expectedFlags)
    {
        var rig = new OffloadRig(packed);
        ulong buffer = rig.Allocate(2048);
        rig.AddChain(DriverBuffer.Writable(buffer, 2048));
        rig.Publish();
        rig.Batch.TryAdd(OffloadRig.Packet(rig.Pool, NetRig.Frame(100, 8), new PacketOffload { Flags = OffloadFlags.DataValid }));

        rig.Send(accepted, mergeable: true);

        Assert.Single(rig.Used());
        Assert.Equal(expectedFlags, rig.Read(buffer, 1)[0]);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(rig.Read(buffer + 10, 2)));
    }
}
