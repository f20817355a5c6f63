using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Match;

/// <summary>
/// Reads and writes single OXM TLVs: a 32-bit header (class 16 bits, field 7 bits, has-mask 1 bit, payload length
/// 8 bits) followed by the value and the mask (OpenFlow 1.3.5 §7.2.3.2). Used by matches, set-field actions and
/// table-features properties.
/// </summary>
internal static class OxmCodec
{
    public const int HeaderSize = 4;

    public static uint Header(OxmField field, bool hasMask, int payloadLength) =>
        ((uint)OxmFieldInfo.WireClass(field) << 16) | ((uint)OxmFieldInfo.WireField(field) << 9) | (hasMask ? 0x100u : 0u)
        | (uint)payloadLength;

    /// <summary>
    /// Reads one TLV at the start of <paramref name="bytes"/>; <paramref name="consumed"/> is its size. Errors are
    /// BAD_MATCH codes; callers that read a set-field translate them.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out OxmEntry entry, out int consumed, out OfpError error)
    {
        entry = default;
        consumed = 0;
        if (bytes.Length < HeaderSize)
        {
            error = OfpError.Of(BadMatchCode.BadLen);
            return false;
        }
        var r = new WireReader(bytes);
        uint header = r.U32();
        ushort oxmClass = (ushort)(header >> 16);
        int field = (int)((header >> 9) & 0x7f);
        bool hasMask = (header & 0x100) != 0;
        int length = (int)(header & 0xff);
        if (HeaderSize + length > bytes.Length)
        {
            error = OfpError.Of(BadMatchCode.BadLen);
            return false;
        }
        consumed = HeaderSize + length;
        // The basic class, and of NXM_1 the tunnel addresses; other NXM and experimenter fields are unknown here.
        if (!OxmFieldInfo.TryFromWire(oxmClass, field, out OxmField f))
        {
            error = OfpError.Of(BadMatchCode.BadField);
            return false;
        }
        int size = OxmFieldInfo.Size(f);
        if (hasMask && !OxmFieldInfo.IsMaskable(f))
        {
            error = OfpError.Of(BadMatchCode.BadMask);
            return false;
        }
        if (length != size * (hasMask ? 2 : 1))
        {
            error = OfpError.Of(BadMatchCode.BadLen);
            return false;
        }
        UInt128 value = ReadNumber(r.Bytes(size));
        entry = hasMask ? OxmEntry.Masked(f, value, ReadNumber(r.Bytes(size))) : OxmEntry.Exact(f, value);
        error = default;
        return true;
    }

    public static void Write(MessageWriter w, in OxmEntry e)
    {
        int size = OxmFieldInfo.Size(e.Field);
        w.U32(Header(e.Field, e.HasMask, size * (e.HasMask ? 2 : 1)));
        w.UInt(e.Value, size);
        if (e.HasMask)
        {
            w.UInt(e.Mask, size);
        }
    }

    public static UInt128 ReadNumber(ReadOnlySpan<byte> bytes)
    {
        UInt128 v = 0;
        foreach (byte b in bytes)
        {
            v = (v << 8) | b;
        }
        return v;
    }
}
