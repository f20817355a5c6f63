using System.Buffers.Binary;

namespace VSwitch.TestKit.Virtio;

/// <summary>One message the back-end sent back.</summary>
/// <param name="Request">The request it answers.</param>
/// <param name="Flags">Header flags (version 1 and the reply flag expected).</param>
/// <param name="Payload">The payload bytes.</param>
public sealed record FakeFrontendReply(uint Request, uint Flags, byte[] Payload)
{
    /// <summary>The payload as a u64 (replies to GET_* requests and REPLY_ACK acknowledgements).</summary>
    public ulong U64 => Payload.Length == 8
        ? BinaryPrimitives.ReadUInt64LittleEndian(Payload)
        : throw new InvalidOperationException($"reply to {Request} has {Payload.Length} payload bytes, not 8");

    /// <summary>True when the header is a well-formed reply (version 1, reply flag, nothing else).</summary>
    public bool IsWellFormed => Flags == (FakeFrontend.Version1 | FakeFrontend.ReplyFlag);
}
