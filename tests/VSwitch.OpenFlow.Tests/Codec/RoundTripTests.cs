using VSwitch.OpenFlow.Codec;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;
using Xunit;

namespace VSwitch.OpenFlow.Tests.Codec;

public sealed class RoundTripTests
{
    public static TheoryData<int> Indexes()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < SampleMessages.All().Count(); i++)
        {
            data.Add(i);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Indexes))]
    public void Every_message_type_decodes_to_what_was_encoded_and_encodes_to_the_same_bytes(int index)
    {
        OfpMessage original = SampleMessages.All().ElementAt(index);
        using var w = new MessageWriter();
        OfpEncoder.Encode(original, w);
        byte[] first = w.WrittenSpan.ToArray();
        Assert.Equal(first.Length, (first[2] << 8) | first[3]);

        Assert.True(OfpDecoder.TryDecode(first, out OfpMessage? decoded, out OfpError error), $"{original.Type}: {error}");
        Assert.Equal(original.GetType(), decoded.GetType());
        Assert.Equal(original.Xid, decoded.Xid);
        w.Clear();
        OfpEncoder.Encode(decoded, w);
        Assert.Equal(first, w.WrittenSpan.ToArray());
    }

    [Fact]
    public void Every_message_type_of_OpenFlow_1_3_has_a_sample()
    {
        var types = SampleMessages.All().Select(m => m.Type).ToHashSet();
        foreach (OfpType t in Enum.GetValues<OfpType>().Where(t => t != OfpType.Experimenter))
        {
            Assert.Contains(t, types);
        }
        var kinds = SampleMessages.All().OfType<MultipartRequest>().Select(m => m.Kind)
            .Concat(SampleMessages.All().OfType<MultipartReply>().Select(m => m.Kind)).ToHashSet();
        Assert.Equal(14, kinds.Count);
    }

    [Fact]
    public void Fixed_layouts_have_the_sizes_of_the_spec()
    {
        Assert.Equal(32, Size(new FeaturesReply(1, new SwitchFeatures(1, 0, 1, 0, 0))));
        Assert.Equal(12, Size(new GetConfigReply(1, new SwitchConfig(0, 128))));
        Assert.Equal(80, Size(new PortStatus(1, PortStatusReason.Add, new OfpPort(1, 1, "p", 0, 0, 0, 0, 0, 0, 0, 0))));
        Assert.Equal(24, Size(new RoleRequest(1, ControllerRole.Equal, 0)));
        Assert.Equal(32, Size(new SetAsync(1, AsyncConfig.Default)));
        Assert.Equal(40, Size(new PortMod(1, 1, 0, 0, 0, 0)));
        Assert.Equal(16, Size(new TableMod(1, 0, 0)));
        Assert.Equal(16, Size(new Hello(1, 4, 0x10)));
        Assert.Equal(24, Size(new PacketOut(1, OfpBufferId.NoBuffer, 1, [], ReadOnlyMemory<byte>.Empty)));
        Assert.Equal(56, Size(new FlowMod(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Match.OfpMatch.Any, [])));
        Assert.Equal(16 + 1056, Size(new MultipartReply(1, MultipartType.Desc, 0, [new SwitchDescription("", "", "", "", "")])));
        Assert.Equal(16 + 112, Size(new MultipartReply(1, MultipartType.PortStats, 0, [new PortStats(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)])));
    }

    private static int Size(OfpMessage m)
    {
        using var w = new MessageWriter();
        OfpEncoder.Encode(m, w);
        return w.Length;
    }

    [Fact]
    public void A_long_multipart_reply_is_split_below_64_KiB_with_MORE_on_every_part_but_the_last()
    {
        var ports = Enumerable.Range(1, 3000).Select(i => (MultipartItem)new OfpPort((uint)i, (ulong)i, $"p{i}", 0, 0, 0, 0, 0, 0, 0, 0)).ToList();
        using var output = new MessageWriter();
        using var scratch = new MessageWriter();
        var parts = new List<MultipartReply>();
        foreach (bool more in OfpEncoder.EncodeMultipartReplies(output, scratch, 77, MultipartType.PortDesc, ports))
        {
            Assert.True(output.Length <= 65535);
            Assert.True(OfpDecoder.TryDecode(output.WrittenSpan.ToArray(), out OfpMessage? m, out _));
            Assert.Equal(more, ((MultipartReply)m).Flags == MultipartFlags.More);
            parts.Add((MultipartReply)m);
        }
        // 3000 ports of 64 bytes: (65535 - 16) / 64 = 1023 per message, so 1023 + 1023 + 954.
        Assert.Equal([1023, 1023, 954], parts.Select(p => p.Items.Count));
        Assert.All(parts[..^1], p => Assert.Equal(MultipartFlags.More, p.Flags));
        Assert.Equal(MultipartFlags.None, parts[^1].Flags);
        Assert.All(parts, p => Assert.Equal(77u, p.Xid));
        Assert.Equal(Enumerable.Range(1, 3000).Select(i => (uint)i), parts.SelectMany(p => p.Items).Cast<OfpPort>().Select(p => p.PortNo));
    }
}
