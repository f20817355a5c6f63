using VSwitch.OpenFlow.Codec;
using VSwitch.OpenFlow.Instructions;
using VSwitch.OpenFlow.Match;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;
using Xunit;

namespace VSwitch.OpenFlow.Tests.Codec;

/// <summary>Messages on the wire for the codec tests: encoding, expected refusals and FLOW_MODs with hand-written matches.</summary>
internal static class WireMessages
{
    public static byte[] Encode(OfpMessage m)
    {
        using var w = new MessageWriter();
        OfpEncoder.Encode(m, w);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Asserts the decoder refuses <paramref name="message"/> and returns the error it answers with.</summary>
    public static OfpError Refusal(byte[] message)
    {
        Assert.False(OfpDecoder.TryDecode(message, out _, out OfpError error));
        return error;
    }

    /// <summary>An ADD FLOW_MOD in table 0 at priority 0 with <paramref name="match"/> and the instructions.</summary>
    public static FlowMod Add(OfpMatch match, params OfpInstruction[] instructions) =>
        new(1, 0, 0, 0, FlowModCommand.Add, 0, 0, 1, OfpBufferId.NoBuffer, OfpPortNo.Any, OfpGroupId.Any, 0, match, instructions);

    /// <summary>
    /// An ADD FLOW_MOD whose match holds the given TLV bytes, written by hand because <see cref="OfpMatch"/> refuses to
    /// hold an invalid one.
    /// </summary>
    public static byte[] FlowModWithOxm(params byte[][] tlvs)
    {
        byte[] baseMessage = Encode(Add(OfpMatch.Any));
        var oxm = tlvs.SelectMany(t => t).ToList();
        int matchLength = 4 + oxm.Count;
        int padded = (matchLength + 7) & ~7;
        var m = new List<byte>(baseMessage[..48]) { 0, 1, (byte)(matchLength >> 8), (byte)matchLength };
        m.AddRange(oxm);
        m.AddRange(new byte[padded - matchLength]);
        byte[] result = [.. m];
        result[2] = (byte)(result.Length >> 8);
        result[3] = (byte)result.Length;
        return result;
    }
}
