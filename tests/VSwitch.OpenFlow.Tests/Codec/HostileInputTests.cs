using VSwitch.OpenFlow.Actions;
using VSwitch.OpenFlow.Codec;
using VSwitch.OpenFlow.Instructions;
using VSwitch.OpenFlow.Match;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;
using Xunit;

using static VSwitch.OpenFlow.Tests.Codec.WireMessages;

namespace VSwitch.OpenFlow.Tests.Codec;

public sealed class HostileInputTests
{

    private static byte[] T(OxmField f, bool mask, int len, params byte[] payload) => Raw(0x8000_0000u | ((uint)f << 9) | (mask ? 0x100u : 0) | (uint)len, payload);

    private static byte[] Raw(uint header, params byte[] payload) => [(byte)(header >> 24), (byte)(header >> 16), (byte)(header >> 8), (byte)header, .. payload];

    [Fact]
    public void Match_rules_of_the_spec_give_their_bad_match_codes()
    {
        // tcp_dst without ip_proto=6: prerequisite missing.
        Assert.Equal(OfpError.Of(BadMatchCode.BadPrereq), Refusal(FlowModWithOxm(T(OxmField.TcpDst, false, 2, 0, 80))));
        // in_port twice.
        Assert.Equal(OfpError.Of(BadMatchCode.DupField), Refusal(FlowModWithOxm(T(OxmField.InPort, false, 4, 0, 0, 0, 1), T(OxmField.InPort, false, 4, 0, 0, 0, 2))));
        // in_port with a mask: the field takes none.
        Assert.Equal(OfpError.Of(BadMatchCode.BadMask), Refusal(FlowModWithOxm(T(OxmField.InPort, true, 8, 0, 0, 0, 1, 255, 255, 255, 255))));
        // ipv4_src value bits outside the mask (eth_type first).
        Assert.Equal(OfpError.Of(BadMatchCode.BadWildcards), Refusal(FlowModWithOxm(T(OxmField.EthType, false, 2, 8, 0),
            T(OxmField.Ipv4Src, true, 8, 10, 0, 0, 1, 255, 0, 0, 0))));
        // vlan_pcp without vlan_vid present.
        Assert.Equal(OfpError.Of(BadMatchCode.BadPrereq), Refusal(FlowModWithOxm(T(OxmField.VlanPcp, false, 1, 3))));
        // a 4-byte in_port whose TLV claims 3 bytes.
        Assert.Equal(OfpError.Of(BadMatchCode.BadLen), Refusal(FlowModWithOxm(T(OxmField.InPort, false, 3, 0, 0, 0))));
        // an OXM that runs past the match.
        Assert.Equal(OfpError.Of(BadMatchCode.BadLen), Refusal(FlowModWithOxm(T(OxmField.Metadata, false, 8, 0, 0, 0, 0))));
        // unknown field 60, and a non-basic class.
        Assert.Equal(OfpError.Of(BadMatchCode.BadField), Refusal(FlowModWithOxm(Raw(0x8000_0000u | (60u << 9) | 4, 0, 0, 0, 0))));
        Assert.Equal(OfpError.Of(BadMatchCode.BadField), Refusal(FlowModWithOxm(Raw(0x0001_0000u | 4, 0, 0, 0, 0))));
        // dscp above 6 bits.
        Assert.Equal(OfpError.Of(BadMatchCode.BadValue), Refusal(FlowModWithOxm(T(OxmField.EthType, false, 2, 8, 0), T(OxmField.IpDscp, false, 1, 64))));
    }

    [Fact]
    public void Action_and_instruction_rules_give_their_codes()
    {
        byte[] ok = Encode(Add(OfpMatch.Any, OfpInstruction.ApplyActions(OfpAction.Output(1))));
        // Output action (at 56+8) with length 12: not a multiple of 8.
        byte[] badLen = (byte[])ok.Clone();
        badLen[64 + 3] = 12;
        Assert.Equal(OfpError.Of(BadActionCode.BadLen), Refusal(badLen));
        // Unknown action type 99.
        byte[] badType = (byte[])ok.Clone();
        badType[64 + 1] = 99;
        Assert.Equal(OfpError.Of(BadActionCode.BadType), Refusal(badType));
        // Output to port 0.
        Assert.Equal(OfpError.Of(BadActionCode.BadOutPort), Refusal(Encode(Add(OfpMatch.Any, OfpInstruction.ApplyActions(OfpAction.Output(0))))));
        // Push VLAN with ethertype 0x0800.
        Assert.Equal(OfpError.Of(BadActionCode.BadArgument), Refusal(Encode(Add(OfpMatch.Any, OfpInstruction.ApplyActions(OfpAction.PushVlan(0x0800))))));
        // Set-field of in_port: not writable.
        Assert.Equal(OfpError.Of(BadActionCode.BadSetType),
            Refusal(Encode(Add(OfpMatch.Any, OfpInstruction.ApplyActions(OfpAction.SetField(OxmEntry.Exact(OxmField.InPort, 1)))))));
        // goto_table backwards (flow in table 0 going to 0).
        Assert.Equal(OfpError.Of(BadInstructionCode.BadTableId), Refusal(Encode(Add(OfpMatch.Any, OfpInstruction.GotoTable(0)))));
        // Two apply-actions.
        Assert.Equal(OfpError.Of(BadInstructionCode.UnsupInst),
            Refusal(Encode(Add(OfpMatch.Any, OfpInstruction.ApplyActions(), OfpInstruction.ApplyActions()))));
        // Unknown instruction type 9.
        byte[] badInst = Encode(Add(OfpMatch.Any, OfpInstruction.ClearActions()));
        badInst[56 + 1] = 9;
        Assert.Equal(OfpError.Of(BadInstructionCode.UnknownInst), Refusal(badInst));
        // Instruction length past the end.
        byte[] longInst = Encode(Add(OfpMatch.Any, OfpInstruction.ClearActions()));
        longInst[56 + 3] = 16;
        Assert.Equal(OfpError.Of(BadInstructionCode.BadLen), Refusal(longInst));
    }

    [Fact]
    public void Message_level_rules_give_their_codes()
    {
        Assert.Equal(OfpError.Of(BadRequestCode.BadLen), Refusal([4, (byte)OfpType.FeaturesRequest, 0, 9, 0, 0, 0, 1, 0]));
        Assert.Equal(OfpError.Of(BadRequestCode.BadType), Refusal([4, 99, 0, 8, 0, 0, 0, 1]));
        Assert.Equal(OfpError.Of(BadRequestCode.BadExperimenter), Refusal([4, 4, 0, 16, 0, 0, 0, 1, 0, 0, 0x23, 0x20, 0, 0, 0, 1]));
        byte[] mp = Encode(new MultipartRequest(1, MultipartType.Desc, 0));
        mp[9] = 42;
        Assert.Equal(OfpError.Of(BadRequestCode.BadMultipart), Refusal(mp));
        byte[] cmd = Encode(Add(OfpMatch.Any));
        cmd[25] = 9;
        Assert.Equal(OfpError.Of(FlowModFailedCode.BadCommand), Refusal(cmd));
        Assert.Equal(OfpError.Of(FlowModFailedCode.BadTableId), Refusal(Encode(Add(OfpMatch.Any) with { TableId = OfpTableId.All })));
        Assert.Equal(OfpError.Of(RoleRequestFailedCode.BadRole), Refusal(Encode(new RoleRequest(1, (ControllerRole)7, 0))));
        Assert.Equal(OfpError.Of(GroupModFailedCode.InvalidGroup),
            Refusal(Encode(new GroupMod(1, GroupModCommand.Add, GroupType.Indirect, 1, []))));
        Assert.Equal(OfpError.Of(BadRequestCode.BadPort),
            Refusal(Encode(new PacketOut(1, OfpBufferId.NoBuffer, 0, [], new byte[14]))));
    }

    public static TheoryData<int> Seeds() => [1, 2, 3, 4, 5, 6, 7, 8];

    // Fixed-seed mutations of every sample: flipped bytes, changed nested lengths, truncations. The decoder
    // either accepts (and the result encodes again) or refuses with an error; it never throws.
    [Theory]
    [MemberData(nameof(Seeds))]
    public void Mutated_messages_are_refused_or_accepted_never_thrown(int seed)
    {
        var random = new Random(seed);
        byte[][] samples = SampleMessages.All().Select(Encode).ToArray();
        using var w = new MessageWriter();
        int refused = 0;
        for (int i = 0; i < 20_000; i++)
        {
            byte[] m = (byte[])samples[random.Next(samples.Length)].Clone();
            int edits = random.Next(1, 4);
            for (int e = 0; e < edits; e++)
            {
                int at = random.Next(8, Math.Max(9, m.Length));
                if (at < m.Length)
                {
                    m[at] = random.Next(3) == 0 ? (byte)random.Next(256) : (byte)(m[at] ^ (1 << random.Next(8)));
                }
            }
            if (random.Next(4) == 0)
            {
                m = m[..random.Next(8, m.Length + 1)];
            }
            m[2] = (byte)(m.Length >> 8);
            m[3] = (byte)m.Length;
            if (OfpDecoder.TryDecode(m, out OfpMessage? decoded, out _))
            {
                w.Clear();
                OfpEncoder.Encode(decoded, w);
            }
            else
            {
                refused++;
            }
        }
        Assert.InRange(refused, 1000, 20_000);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_bytes_after_a_valid_header_never_throw(int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < 20_000; i++)
        {
            byte[] m = new byte[random.Next(8, 300)];
            random.NextBytes(m);
            m[0] = 4;
            m[1] = (byte)random.Next(32);
            m[2] = (byte)(m.Length >> 8);
            m[3] = (byte)m.Length;
            _ = OfpDecoder.TryDecode(m, out _, out _);
        }
    }
}
