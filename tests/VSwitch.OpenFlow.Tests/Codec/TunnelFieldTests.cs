using VSwitch.OpenFlow.Actions;
using VSwitch.OpenFlow.Codec;
using VSwitch.OpenFlow.Connection;
using VSwitch.OpenFlow.Instructions;
using VSwitch.OpenFlow.Match;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;
using Xunit;

using static VSwitch.OpenFlow.Tests.Codec.WireMessages;

namespace VSwitch.OpenFlow.Tests.Codec;

/// <summary>
/// The tunnel fields on the wire: TUNNEL_ID (basic class, field 38) and the Nicira tunnel addresses that Open vSwitch
/// sends over OpenFlow 1.3 as class NXM_1 (0x0001), fields 31 (NXM_NX_TUN_IPV4_SRC) and 32 (NXM_NX_TUN_IPV4_DST),
/// 4 bytes, maskable, in matches, set-field actions, table features and PACKET_IN.
/// </summary>
public sealed class TunnelFieldTests
{
    // NXM_1 headers: class 0x0001, field << 9, has-mask bit 0x100, payload length.
    private const uint TunSrcHeader = 0x0001_3e04;
    private const uint TunSrcMaskedHeader = 0x0001_3f08;
    private const uint TunDstHeader = 0x0001_4004;
    private const uint TunDstMaskedHeader = 0x0001_4108;

    private static OfpMessage Decode(byte[] bytes)
    {
        Assert.True(OfpDecoder.TryDecode(bytes, out OfpMessage? m, out OfpError error), error.ToString());
        return m!;
    }

    // A FLOW_MOD with an empty match and apply-actions holding one set-field action around the given TLV bytes.
    private static byte[] FlowModWithSetField(byte[] tlv, int? actionLength = null)
    {
        byte[] baseMessage = Encode(Add(OfpMatch.Any));
        int length = actionLength ?? ((4 + tlv.Length + 7) & ~7);
        var action = new List<byte> { 0, 25, (byte)(length >> 8), (byte)length };
        action.AddRange(tlv);
        while (action.Count < length)
        {
            action.Add(0);
        }
        int instructionLength = 8 + action.Count;
        var m = new List<byte>(baseMessage) { 0, 4, (byte)(instructionLength >> 8), (byte)instructionLength, 0, 0, 0, 0 };
        m.AddRange(action);
        byte[] result = [.. m];
        result[2] = (byte)(result.Length >> 8);
        result[3] = (byte)result.Length;
        return result;
    }

    private static byte[] Raw(uint header, params byte[] payload) =>
        [(byte)(header >> 24), (byte)(header >> 16), (byte)(header >> 8), (byte)header, .. payload];

    private static uint ReadU32(byte[] b, int at) => (uint)((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);

    [Fact]
    public void Tunnel_addresses_are_written_as_NXM_1_fields_31_and_32_and_read_back()
    {
        OfpMatch match = OfpMatch.Create(
            OxmEntry.Exact(OxmField.TunnelId, 5),
            OxmEntry.Exact(OxmField.TunIpv4Src, 0x0a00_0002),
            OxmEntry.Masked(OxmField.TunIpv4Dst, 0x0a00_0000, 0xffff_ff00));
        byte[] bytes = Encode(Add(match));
        // The match starts at 48: type, length, then TLVs in the order given.
        Assert.Equal(0x8000_4c08u, ReadU32(bytes, 52));
        Assert.Equal(TunSrcHeader, ReadU32(bytes, 64));
        Assert.Equal(0x0a00_0002u, ReadU32(bytes, 68));
        Assert.Equal(TunDstMaskedHeader, ReadU32(bytes, 72));
        Assert.Equal(0x0a00_0000u, ReadU32(bytes, 76));
        Assert.Equal(0xffff_ff00u, ReadU32(bytes, 80));
        var decoded = Assert.IsType<FlowMod>(Decode(bytes));
        Assert.Equal(match, decoded.Match);
        Assert.Equal(bytes, Encode(decoded));
    }

    [Fact]
    public void Set_field_of_a_tunnel_address_round_trips_with_its_NXM_1_header()
    {
        FlowMod mod = Add(OfpMatch.Any, OfpInstruction.ApplyActions(
            OfpAction.SetField(OxmEntry.Exact(OxmField.TunIpv4Dst, 0x0a00_0002)),
            OfpAction.SetField(OxmEntry.Exact(OxmField.TunnelId, 5)),
            OfpAction.Output(2)));
        byte[] bytes = Encode(mod);
        // Instruction header at 56 (8 bytes), then the set-field action: type 25, length 16, the TLV.
        Assert.Equal(0x0019_0010u, ReadU32(bytes, 64));
        Assert.Equal(TunDstHeader, ReadU32(bytes, 68));
        Assert.Equal(0x0a00_0002u, ReadU32(bytes, 72));
        var decoded = Assert.IsType<FlowMod>(Decode(bytes));
        Assert.Equal(bytes, Encode(decoded));
        OfpAction set = Assert.Single(decoded.Instructions).Actions[0];
        Assert.Equal(OxmEntry.Exact(OxmField.TunIpv4Dst, 0x0a00_0002), set.Field);
    }

    [Fact]
    public void Hostile_tunnel_address_TLVs_in_a_match_get_their_bad_match_codes()
    {
        // Lengths that are not 4 (or 8 with a mask): short, long, zero, a mask bit with 4 bytes, 4 bytes with no mask bit but 8.
        Assert.Equal(OfpError.Of(BadMatchCode.BadLen), Refusal(FlowModWithOxm(Raw(0x0001_3e03, 10, 0, 0))));
        Assert.Equal(OfpError.Of(BadMatchCode.BadLen), Refusal(FlowModWithOxm(Raw(0x0001_3e05, 10, 0, 0, 2, 0))));
        Assert.Equal(OfpError.Of(BadMatchCode.BadLen), Refusal(FlowModWithOxm(Raw(0x0001_4000))));
        Assert.Equal(OfpError.Of(BadMatchCode.BadLen), Refusal(FlowModWithOxm(Raw(0x0001_3f04, 10, 0, 0, 2))));
        Assert.Equal(OfpError.Of(BadMatchCode.BadLen), Refusal(FlowModWithOxm(Raw(0x0001_4008, 10, 0, 0, 2, 255, 255, 255, 255))));
        // A length that runs past the match (255 bytes claimed, 4 there).
        Assert.Equal(OfpError.Of(BadMatchCode.BadLen), Refusal(FlowModWithOxm(Raw(0x0001_3eff, 10, 0, 0, 2))));
        // The header alone, cut short.
        Assert.Equal(OfpError.Of(BadMatchCode.BadLen), Refusal(FlowModWithOxm([0x00, 0x01, 0x3e])));
        // Twice the same field; a value bit outside its mask.
        Assert.Equal(OfpError.Of(BadMatchCode.DupField),
            Refusal(FlowModWithOxm(Raw(TunSrcHeader, 10, 0, 0, 1), Raw(TunSrcHeader, 10, 0, 0, 2))));
        Assert.Equal(OfpError.Of(BadMatchCode.BadWildcards),
            Refusal(FlowModWithOxm(Raw(TunDstMaskedHeader, 10, 0, 0, 1, 255, 255, 255, 0))));
        // Other NXM_1 fields, the same numbers in NXM_0 (0x0000) and in the basic class stay unknown or mean what they mean there.
        Assert.Equal(OfpError.Of(BadMatchCode.BadField), Refusal(FlowModWithOxm(Raw(0x0001_4204, 0, 0, 0, 1))));
        Assert.Equal(OfpError.Of(BadMatchCode.BadField), Refusal(FlowModWithOxm(Raw(0x0000_3e04, 10, 0, 0, 1))));
        Assert.Equal(OfpError.Of(BadMatchCode.BadPrereq), Refusal(FlowModWithOxm(Raw(0x8000_3e10, new byte[16]))));
    }

    [Fact]
    public void Hostile_tunnel_address_set_fields_get_their_bad_action_codes()
    {
        Assert.True(OfpDecoder.TryDecode(FlowModWithSetField(Raw(TunSrcHeader, 10, 0, 0, 1)), out _, out _));
        // A mask in a set-field; a TLV length that disagrees with the field; a TLV running past the action.
        Assert.Equal(OfpError.Of(BadActionCode.BadSetArgument),
            Refusal(FlowModWithSetField(Raw(TunSrcMaskedHeader, 10, 0, 0, 0, 255, 255, 255, 0))));
        Assert.Equal(OfpError.Of(BadActionCode.BadSetLen), Refusal(FlowModWithSetField(Raw(0x0001_3e03, 10, 0, 0))));
        Assert.Equal(OfpError.Of(BadActionCode.BadSetLen), Refusal(FlowModWithSetField(Raw(0x0001_40f0, 10, 0, 0, 1))));
        // An action longer than its TLV needs (24 bytes for an 8-byte TLV).
        Assert.Equal(OfpError.Of(BadActionCode.BadSetLen), Refusal(FlowModWithSetField(Raw(TunDstHeader, 10, 0, 0, 1), actionLength: 24)));
        // An unknown NXM_1 field.
        Assert.Equal(OfpError.Of(BadActionCode.BadSetType), Refusal(FlowModWithSetField(Raw(0x0001_4204, 0, 0, 0, 1))));
    }

    [Fact]
    public void Table_features_list_the_tunnel_addresses_with_their_NXM_1_headers_and_read_them_back()
    {
        var features = new TableFeatures(0, "table0", 0, 0, 0, 100)
        {
            Match = [new OxmFieldSupport(OxmField.TunnelId, true), new OxmFieldSupport(OxmField.TunIpv4Src, true)],
            WriteSetfield = [OxmField.TunIpv4Dst],
        };
        var reply = new MultipartReply(3, MultipartType.TableFeatures, 0, [features]);
        byte[] bytes = Encode(reply);
        var decoded = Assert.IsType<MultipartReply>(Decode(bytes));
        Assert.Equal(bytes, Encode(decoded));
        TableFeatures back = Assert.IsType<TableFeatures>(Assert.Single(decoded.Items));
        Assert.Equal(features.Match, back.Match);
        Assert.Equal(features.WriteSetfield, back.WriteSetfield);
        Assert.Contains(TunSrcMaskedHeader, Enumerable.Range(0, bytes.Length - 3).Select(i => ReadU32(bytes, i)));
    }

    public static TheoryData<ulong, ulong, uint, uint> PacketInCases() => new()
    {
        { 0, 0, 0, 0 },
        { 0x77, 0, 0, 0 },
        { 0, 5, 0, 0 },
        { 0, 5, 0x0a00_0002, 0x0a00_0001 },
        { 0x77, 0xffff_ff, 0x0a00_0002, 0 },
        { 0x77, 0, 0, 0x0a00_0001 },
        { 0x77, ulong.MaxValue, uint.MaxValue, uint.MaxValue },
    };

    // The hand-written PACKET_IN encoder must give exactly the bytes of the general encoder, with each tunnel field in
    // the match only when it is not zero, as Open vSwitch puts it there.
    [Theory]
    [MemberData(nameof(PacketInCases))]
    public void Packet_in_match_carries_the_tunnel_fields_that_are_set(ulong metadata, ulong tunId, uint tunSrc, uint tunDst)
    {
        byte[] frame = [.. Enumerable.Range(0, 60).Select(i => (byte)i)];
        var e = new PacketInEvent(PacketInReason.NoMatch, 4, 0x99, 3, metadata, OfpBufferId.ControllerNoBuffer, 0, tunId, tunSrc, tunDst);
        int data = PacketInEncoder.DataLength(e, frame.Length);
        byte[] fast = new byte[PacketInEncoder.Size(e, data)];
        PacketInEncoder.Write(fast, 7, e, frame, data);

        var entries = new List<OxmEntry> { OxmEntry.Exact(OxmField.InPort, 3) };
        if (metadata != 0)
        {
            entries.Add(OxmEntry.Exact(OxmField.Metadata, metadata));
        }
        if (tunId != 0)
        {
            entries.Add(OxmEntry.Exact(OxmField.TunnelId, tunId));
        }
        if (tunSrc != 0)
        {
            entries.Add(OxmEntry.Exact(OxmField.TunIpv4Src, tunSrc));
        }
        if (tunDst != 0)
        {
            entries.Add(OxmEntry.Exact(OxmField.TunIpv4Dst, tunDst));
        }
        var expected = new PacketIn(7, OfpBufferId.NoBuffer, 60, PacketInReason.NoMatch, 4, 0x99, OfpMatch.Create([.. entries]), frame);
        Assert.Equal(Encode(expected), fast);
        var decoded = Assert.IsType<PacketIn>(Decode(fast));
        Assert.Equal(expected.Match, decoded.Match);
        Assert.Equal(frame, decoded.Data.ToArray());
    }
}
