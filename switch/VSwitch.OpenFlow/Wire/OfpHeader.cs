using System.Buffers.Binary;

namespace VSwitch.OpenFlow.Wire;

/// <summary>
/// The 8-byte header every OpenFlow message starts with (<c>struct ofp_header</c>): version, type, total length
/// (header included, big-endian like every OpenFlow field) and transaction id.
/// </summary>
/// <param name="Version">Wire version; 1.3 is <see cref="Version13"/>.</param>
/// <param name="Type">Message type.</param>
/// <param name="Length">Length of the whole message in bytes, at least <see cref="Size"/>.</param>
/// <param name="Xid">Transaction id, echoed in replies.</param>
public readonly record struct OfpHeader(byte Version, OfpType Type, ushort Length, uint Xid)
{
    /// <summary>Header size in bytes.</summary>
    public const int Size = 8;

    /// <summary>The wire version of OpenFlow 1.3.</summary>
    public const byte Version13 = 0x04;

    /// <summary>Largest message: the length field is 16 bits.</summary>
    public const int MaxLength = ushort.MaxValue;

    /// <summary>Reads a header; <paramref name="bytes"/> must hold at least <see cref="Size"/> bytes.</summary>
    public static OfpHeader Read(ReadOnlySpan<byte> bytes) =>
        new(bytes[0], (OfpType)bytes[1], BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]), BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]));

    /// <summary>Writes the header into the first <see cref="Size"/> bytes of <paramref name="bytes"/>.</summary>
    public void Write(Span<byte> bytes)
    {
        bytes[0] = Version;
        bytes[1] = (byte)Type;
        BinaryPrimitives.WriteUInt16BigEndian(bytes[2..], Length);
        BinaryPrimitives.WriteUInt32BigEndian(bytes[4..], Xid);
    }
}
