using System.Runtime.InteropServices;

namespace VSwitch.VhostUser.Protocol;

/// <summary>
/// The 12-byte header of every vhost-user message. All numbers are host-endian ("in the machine native byte
/// order", vhost-user spec, "Message Specification").
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public readonly struct MessageHeader
{
    /// <summary>Size on the wire.</summary>
    public const int Size = 12;

    /// <summary>Version field mask (bits 0-1); the only version is 1.</summary>
    public const uint VersionMask = 0x3;

    /// <summary>The protocol version.</summary>
    public const uint Version1 = 0x1;

    /// <summary>Set on replies.</summary>
    public const uint ReplyFlag = 0x4;

    /// <summary>The front-end asks for an acknowledgement (REPLY_ACK).</summary>
    public const uint NeedReplyFlag = 0x8;

    /// <summary>Creates a header.</summary>
    public MessageHeader(uint request, uint flags, uint size)
    {
        Request = request;
        Flags = flags;
        PayloadSize = size;
    }

    /// <summary>The request number.</summary>
    public uint Request { get; }

    /// <summary>Version and reply flags.</summary>
    public uint Flags { get; }

    /// <summary>Payload bytes following the header.</summary>
    public uint PayloadSize { get; }

    /// <summary>True when the header's version is 1 and no unknown flag bit is set.</summary>
    public bool IsValid() => (Flags & VersionMask) == Version1 && (Flags & ~(VersionMask | ReplyFlag | NeedReplyFlag)) == 0;

    /// <summary>True if the front-end wants an acknowledgement.</summary>
    public bool NeedReply => (Flags & NeedReplyFlag) != 0;
}
