using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using Xunit;

namespace VSwitch.Virtio.Tests.Net;

/// <summary>
/// Guest to switch with offloads, on both ring layouts: the virtio-net header parsed into the packet's offload metadata
/// wherever the header lies, hostile headers dropped by name without touching anything, super-frames of 64 KiB from
/// chains of pages (direct and indirect) into the large pool, and frames that outgrow an ordinary buffer moved there.
/// </summary>
public sealed class OffloadRxTests
{
    public static TheoryData<bool> Layouts() => new() { false, true };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_checksum_request_in_one_descriptor_becomes_the_packets_offload(bool packed)
    {
        var rig = new OffloadRig(packed);
        byte[] frame = NetRig.Frame(100, 1);
        rig.TransmitOne(OffloadRig.TcpCsumHeader(), frame);

        Assert.Equal(1, rig.Receive(OffloadRig.All, zeroCopy: true));

        PacketBuffer p = rig.Batch[0];
        Assert.Equal(frame, p.Span.ToArray());
        Assert.True(p.IsExternal);
        Assert.Equal(OffloadFlags.NeedsCsum, p.Offload.Flags);
        Assert.Equal(GsoType.None, p.Offload.Gso);
        Assert.Equal(34, p.Offload.CsumStart);
        Assert.Equal(16, p.Offload.CsumOffset);
        rig.FreeAndComplete();
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_header_spread_over_three_descriptors_is_gathered_before_it_is_parsed(bool packed)
    {
        var rig = new OffloadRig(packed);
        byte[] frame = NetRig.Frame(200, 2);
        byte[] all = [.. OffloadRig.TcpCsumHeader(), .. frame];
        // 3 header bytes | 4 header bytes | 5 header bytes + 50 frame bytes | 150 frame bytes
        ulong a = rig.AllocateWith(all.AsSpan(0, 3));
        ulong b = rig.AllocateWith(all.AsSpan(3, 4));
        ulong c = rig.AllocateWith(all.AsSpan(7, 55));
        ulong d = rig.AllocateWith(all.AsSpan(62));
        rig.AddChain(DriverBuffer.Readable(a, 3), DriverBuffer.Readable(b, 4), DriverBuffer.Readable(c, 55), DriverBuffer.Readable(d, 150));
        rig.Publish();

        Assert.Equal(1, rig.Receive(OffloadRig.All));

        Assert.Equal(frame, rig.Batch[0].Span.ToArray());
        Assert.Equal(OffloadFlags.NeedsCsum, rig.Batch[0].Offload.Flags);
        Assert.Equal(34, rig.Batch[0].Offload.CsumStart);
        rig.FreeAndComplete();
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_zero_header_is_a_plain_frame_and_data_valid_from_a_guest_is_not_trusted(bool packed)
    {
        var rig = new OffloadRig(packed);
        rig.TransmitOne(OffloadRig.Header(), NetRig.Frame(80, 3));
        rig.TransmitOne(OffloadRig.Header(flags: 2), NetRig.Frame(80, 4));

        Assert.Equal(2, rig.Receive(OffloadRig.All));

        Assert.True(rig.Batch[0].Offload.IsPlain);
        Assert.Equal(OffloadFlags.None, rig.Batch[0].Offload.Flags);
        // VIRTIO 1.2 §5.1.6.2.1: a driver must not set DATA_VALID; the switch does not pass on a claim nobody checked.
        Assert.Equal(OffloadFlags.None, rig.Batch[1].Offload.Flags);
        rig.FreeAndComplete();
    }

    public static TheoryData<string, bool, byte[], PortOffloads> HostileHeaders()
    {
        var data = new TheoryData<string, bool, byte[], PortOffloads>();
        foreach (bool packed in new[] { false, true })
        {
            data.Add("csum_start beyond the frame", packed, OffloadRig.Header(flags: 1, csumStart: 200, csumOffset: 16), OffloadRig.All);
            data.Add("checksum field crossing the end", packed, OffloadRig.Header(flags: 1, csumStart: 90, csumOffset: 9), OffloadRig.All);
            data.Add("csum_offset far beyond", packed, OffloadRig.Header(flags: 1, csumStart: 0, csumOffset: 0xFFFF), OffloadRig.All);
            data.Add("hdr_len beyond the frame", packed, OffloadRig.Header(flags: 1, gsoType: 1, hdrLen: 101, gsoSize: 1448, csumStart: 34, csumOffset: 16), OffloadRig.All);
            data.Add("gso_size 0", packed, OffloadRig.Header(flags: 1, gsoType: 1, hdrLen: 54, gsoSize: 0, csumStart: 34, csumOffset: 16), OffloadRig.All);
            data.Add("gso_type UDP (not offered)", packed, OffloadRig.Header(flags: 1, gsoType: 3, gsoSize: 1400, csumStart: 34, csumOffset: 6), OffloadRig.All);
            data.Add("gso_type UDP_L4 (not offered)", packed, OffloadRig.Header(flags: 1, gsoType: 5, gsoSize: 1400, csumStart: 34, csumOffset: 6), OffloadRig.All);
            data.Add("super-frame without a pending checksum", packed, OffloadRig.Header(gsoType: 1, hdrLen: 54, gsoSize: 1448), OffloadRig.All);
            data.Add("unknown flag RSC_INFO", packed, OffloadRig.Header(flags: 4), OffloadRig.All);
            data.Add("ECN bit without segmentation", packed, OffloadRig.Header(gsoType: 0x80), OffloadRig.All);
            data.Add("checksum request without CSUM", packed, OffloadRig.TcpCsumHeader(), PortOffloads.None);
            data.Add("TSO4 without HOST_TSO4", packed, OffloadRig.Tso4Header(), PortOffloads.Csum | PortOffloads.Tso6);
            data.Add("ECN without HOST_ECN", packed, OffloadRig.Tso4Header(ecn: true), PortOffloads.Csum | PortOffloads.Tso4);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(HostileHeaders))]
    public void A_hostile_header_drops_the_frame_by_name_and_changes_nothing(string what, bool packed, byte[] header, PortOffloads accepted)
    {
        _ = what;
        var rig = new OffloadRig(packed);
        byte[] frame = NetRig.Frame(100, 5);
        ulong gpa = rig.TransmitOne(header, frame);
        // The frame's buffer and the 4 KiB behind it: nothing may be written there.
        byte[] before = rig.Read(gpa, 4096);

        Assert.Equal(0, rig.Receive(accepted, zeroCopy: true));

        Assert.Equal(0, rig.Batch.Count);
        Assert.Equal(1, rig.Stats.Drops[DropReason.OffloadHeaderInvalid]);
        Assert.Equal(1, rig.Stats.Drops.Total);
        Assert.Equal(rig.Pool.Count, rig.Pool.Available);
        Assert.Equal(rig.Large.Count, rig.Large.Available);
        rig.FreeAndComplete();
        // The chain goes back to the guest as a transmitted one (length 0), and the ring keeps working.
        Assert.Equal(0u, Assert.Single(rig.Used()).Length);
        Assert.Equal(before, rig.Read(gpa, 4096));
        rig.TransmitOne(OffloadRig.Header(), frame);
        Assert.Equal(1, rig.Receive(accepted));
        rig.FreeAndComplete();
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void A_super_frame_from_a_chain_of_pages_lands_whole_in_a_large_buffer(bool packed, bool indirect)
    {
        var rig = new OffloadRig(packed);
        byte[] frame = NetRig.Frame(54 + (16 * 4000), 6);
        // As Linux sends it: the header and the linear part (the protocol headers) first, then one descriptor per page.
        var buffers = new List<DriverBuffer>
        {
            DriverBuffer.Readable(rig.AllocateWith(OffloadRig.Tso4Header()), 12),
            DriverBuffer.Readable(rig.AllocateWith(frame.AsSpan(0, 54)), 54),
        };
        for (int i = 0; i < 16; i++)
        {
            buffers.Add(DriverBuffer.Readable(rig.AllocateWith(frame.AsSpan(54 + (i * 4000), 4000)), 4000));
        }
        if (indirect)
        {
            rig.AddIndirectChain([.. buffers]);
        }
        else
        {
            rig.AddChain([.. buffers]);
        }
        rig.Publish();

        Assert.Equal(1, rig.Receive(OffloadRig.All, zeroCopy: true));

        PacketBuffer p = rig.Batch[0];
        Assert.Same(rig.Large, p.Pool);
        Assert.False(p.IsExternal);
        Assert.Equal(frame, p.Span.ToArray());
        Assert.Equal(GsoType.TcpV4, p.Offload.Gso);
        Assert.Equal(1448, p.Offload.GsoSize);
        Assert.Equal(54, p.Offload.HdrLen);
        Assert.Equal(OffloadFlags.NeedsCsum, p.Offload.Flags);
        Assert.Equal(frame.Length, rig.Stats.Bytes);
        Assert.Equal(1, rig.Stats.Packets);
        rig.FreeAndComplete();
        Assert.Equal(rig.Pool.Count, rig.Pool.Available);
        Assert.Equal(rig.Large.Count, rig.Large.Available);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_plain_jumbo_chain_that_outgrows_a_pool_buffer_moves_to_a_large_buffer(bool packed)
    {
        var rig = new OffloadRig(packed);
        byte[] frame = NetRig.Frame(3 * 8000, 7);
        rig.AddChain(
            DriverBuffer.Readable(rig.AllocateWith([.. OffloadRig.Header(), .. frame.AsSpan(0, 8000)]), 12 + 8000),
            DriverBuffer.Readable(rig.AllocateWith(frame.AsSpan(8000, 8000)), 8000),
            DriverBuffer.Readable(rig.AllocateWith(frame.AsSpan(16000)), 8000));
        rig.Publish();

        Assert.Equal(1, rig.Receive(OffloadRig.All));

        Assert.Same(rig.Large, rig.Batch[0].Pool);
        Assert.Equal(frame, rig.Batch[0].Span.ToArray());
        rig.FreeAndComplete();
        Assert.Equal(rig.Pool.Count, rig.Pool.Available);
        Assert.Equal(rig.Large.Count, rig.Large.Available);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void A_large_frame_in_one_descriptor_is_lent_or_copied_with_a_large_buffer(bool packed, bool zeroCopy)
    {
        var rig = new OffloadRig(packed);
        byte[] frame = NetRig.Frame(30000, 8);
        ulong gpa = rig.TransmitOne(OffloadRig.Tso4Header(), frame);

        Assert.Equal(1, rig.Receive(OffloadRig.All, zeroCopy));

        PacketBuffer p = rig.Batch[0];
        // The large buffer's own room lets a lent packet still be made owned (TryMakeOwned) for an edit.
        Assert.Same(rig.Large, p.Pool);
        Assert.Equal(zeroCopy, p.IsExternal);
        Assert.Equal(frame, p.Span.ToArray());
        Assert.Equal(GsoType.TcpV4, p.Offload.Gso);
        Assert.True(p.TryMakeOwned());
        Assert.Equal(frame, p.Span.ToArray());
        rig.FreeAndComplete();
        Assert.Equal(frame, rig.Read(gpa + 12, frame.Length));
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Without_a_large_pool_a_super_frame_is_dropped_as_too_large(bool packed)
    {
        var rig = new OffloadRig(packed);
        rig.TransmitOne(OffloadRig.Tso4Header(), NetRig.Frame(30000, 9));

        Assert.Equal(0, rig.Receive(OffloadRig.All, withLargePool: false));

        Assert.Equal(1, rig.Stats.Drops[DropReason.PacketTooLarge]);
        rig.FreeAndComplete();
        Assert.Equal(rig.Pool.Count, rig.Pool.Available);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void An_empty_large_pool_drops_the_next_super_frame_as_pool_exhausted(bool packed)
    {
        var rig = new OffloadRig(packed, largeBuffers: 1);
        byte[] frame = NetRig.Frame(20000, 10);
        for (int i = 0; i < 2; i++)
        {
            rig.AddChain(
                DriverBuffer.Readable(rig.AllocateWith(OffloadRig.Tso4Header()), 12),
                DriverBuffer.Readable(rig.AllocateWith(frame.AsSpan(0, 10000)), 10000),
                DriverBuffer.Readable(rig.AllocateWith(frame.AsSpan(10000)), 10000));
        }
        rig.Publish();

        Assert.Equal(1, rig.Receive(OffloadRig.All));

        Assert.Equal(frame, rig.Batch[0].Span.ToArray());
        Assert.Equal(1, rig.Stats.Drops[DropReason.PoolExhausted]);
        rig.FreeAndComplete();
        Assert.Equal(rig.Pool.Count, rig.Pool.Available);
        Assert.Equal(2, rig.Used().Count);
    }
}
