using System.Buffers.Binary;
using VSwitch.OpenFlow.Match;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Connection;

/// <summary>
/// Encodes PACKET_IN straight into a span, without a writer object, so that publishing one allocates nothing but
/// the pooled array it goes into. Layout (OpenFlow 1.3.5 §7.4.1): header, buffer_id, total_len, reason, table_id,
/// cookie, an OXM match with in_port (and metadata when not zero), 2 bytes of padding, the frame.
/// </summary>
internal static class PacketInEncoder
{
    public static int DataLength(in PacketInEvent e, int frameLength) =>
        e.MaxLen == OfpBufferId.ControllerNoBuffer ? frameLength : Math.Min(frameLength, e.MaxLen);

    public static int Size(in PacketInEvent e, int dataLength) => OfpHeader.Size + 16 + MatchLength(e) + 2 + dataLength;

    // 4-byte match header + in_port TLV (8) [+ metadata TLV (12)], padded to 8: 16 or 24.
    private static int MatchLength(in PacketInEvent e) => e.Metadata == 0 ? 16 : 24;

    public static void Write(Span<byte> d, uint xid, in PacketInEvent e, ReadOnlySpan<byte> frame, int dataLength)
    {
        int size = Size(e, dataLength);
        new OfpHeader(OfpHeader.Version13, OfpType.PacketIn, (ushort)size, xid).Write(d);
        BinaryPrimitives.WriteUInt32BigEndian(d[8..], OfpBufferId.NoBuffer);
        BinaryPrimitives.WriteUInt16BigEndian(d[12..], (ushort)Math.Min(Math.Max(e.TotalLength, frame.Length), ushort.MaxValue));
        d[14] = (byte)e.Reason;
        d[15] = e.TableId;
        BinaryPrimitives.WriteUInt64BigEndian(d[16..], e.Cookie);
        Span<byte> m = d.Slice(24, MatchLength(e));
        m.Clear();
        int oxmLength = e.Metadata == 0 ? 8 : 20;
        BinaryPrimitives.WriteUInt16BigEndian(m, 1);
        BinaryPrimitives.WriteUInt16BigEndian(m[2..], (ushort)(4 + oxmLength));
        BinaryPrimitives.WriteUInt32BigEndian(m[4..], OxmCodec.Header(OxmField.InPort, false, 4));
        BinaryPrimitives.WriteUInt32BigEndian(m[8..], e.InPort);
        if (e.Metadata != 0)
        {
            BinaryPrimitives.WriteUInt32BigEndian(m[12..], OxmCodec.Header(OxmField.Metadata, false, 8));
            BinaryPrimitives.WriteUInt64BigEndian(m[16..], e.Metadata);
        }
        int data = 24 + m.Length;
        d[data] = 0;
        d[data + 1] = 0;
        frame[..dataLength].CopyTo(d[(data + 2)..]);
    }
}
