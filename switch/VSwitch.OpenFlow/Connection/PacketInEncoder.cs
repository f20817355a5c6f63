using System.Buffers.Binary;
using VSwitch.OpenFlow.Match;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Connection;

/// <summary>
/// Encodes PACKET_IN straight into a span, without a writer object, so that publishing one allocates nothing but
/// the pooled array it goes into. Layout (OpenFlow 1.3.5 §7.4.1): header, buffer_id, total_len, reason, table_id,
/// cookie, an OXM match, 2 bytes of padding, the frame. The match holds in_port always and, each when not zero, the
/// metadata, TUNNEL_ID and the tunnel's outer addresses (NXM_1 fields, as Open vSwitch sends them), so a controller
/// can tell apart packets of different tunnels and VNIs arriving on one port.
/// </summary>
internal static class PacketInEncoder
{
    public static int DataLength(in PacketInEvent e, int frameLength) =>
        e.MaxLen == OfpBufferId.ControllerNoBuffer ? frameLength : Math.Min(frameLength, e.MaxLen);

    public static int Size(in PacketInEvent e, int dataLength) => OfpHeader.Size + 16 + MatchLength(e) + 2 + dataLength;

    // TLV bytes: in_port 8, metadata 12, tunnel_id 12, each tunnel address 8.
    private static int OxmLength(in PacketInEvent e) =>
        8 + (e.Metadata == 0 ? 0 : 12) + (e.TunnelId == 0 ? 0 : 12) + (e.TunnelSource == 0 ? 0 : 8) + (e.TunnelDestination == 0 ? 0 : 8);

    // The 4-byte match header and the TLVs, padded to 8.
    private static int MatchLength(in PacketInEvent e) => (4 + OxmLength(e) + 7) & ~7;

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
        BinaryPrimitives.WriteUInt16BigEndian(m, 1);
        BinaryPrimitives.WriteUInt16BigEndian(m[2..], (ushort)(4 + OxmLength(e)));
        int at = 4;
        BinaryPrimitives.WriteUInt32BigEndian(m[at..], OxmCodec.Header(OxmField.InPort, false, 4));
        BinaryPrimitives.WriteUInt32BigEndian(m[(at + 4)..], e.InPort);
        at += 8;
        if (e.Metadata != 0)
        {
            at = Put64(m, at, OxmField.Metadata, e.Metadata);
        }
        if (e.TunnelId != 0)
        {
            at = Put64(m, at, OxmField.TunnelId, e.TunnelId);
        }
        if (e.TunnelSource != 0)
        {
            at = Put32(m, at, OxmField.TunIpv4Src, e.TunnelSource);
        }
        if (e.TunnelDestination != 0)
        {
            Put32(m, at, OxmField.TunIpv4Dst, e.TunnelDestination);
        }
        int data = 24 + m.Length;
        d[data] = 0;
        d[data + 1] = 0;
        frame[..dataLength].CopyTo(d[(data + 2)..]);
    }

    private static int Put64(Span<byte> m, int at, OxmField field, ulong value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(m[at..], OxmCodec.Header(field, false, 8));
        BinaryPrimitives.WriteUInt64BigEndian(m[(at + 4)..], value);
        return at + 12;
    }

    private static int Put32(Span<byte> m, int at, OxmField field, uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(m[at..], OxmCodec.Header(field, false, 4));
        BinaryPrimitives.WriteUInt32BigEndian(m[(at + 4)..], value);
        return at + 8;
    }
}
