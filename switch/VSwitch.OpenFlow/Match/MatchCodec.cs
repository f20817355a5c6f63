using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Match;

/// <summary>
/// Reads and writes <c>struct ofp_match</c>: type (2), length (2, header and TLVs without padding), the TLVs, then
/// zero padding to a multiple of 8 (OpenFlow 1.3.5 §7.2.3.1). Every length is checked against what is there.
/// </summary>
internal static class MatchCodec
{
    private const ushort TypeOxm = 1;

    /// <summary>
    /// Reads a match at the start of <paramref name="bytes"/>; <paramref name="consumed"/> includes the padding.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out OfpMatch match, out int consumed, out OfpError error)
    {
        match = OfpMatch.Any;
        consumed = 0;
        if (bytes.Length < 4)
        {
            error = OfpError.Of(BadMatchCode.BadLen);
            return false;
        }
        var r = new WireReader(bytes);
        ushort type = r.U16();
        int length = r.U16();
        // §7.2.3.1: OFPMT_STANDARD (0) is deprecated; only OXM matches exist in 1.3.
        if (type != TypeOxm)
        {
            error = OfpError.Of(BadMatchCode.BadType);
            return false;
        }
        int padded = (length + 7) & ~7;
        if (length < 4 || padded > bytes.Length)
        {
            error = OfpError.Of(BadMatchCode.BadLen);
            return false;
        }
        var entries = new List<OxmEntry>();
        var rules = new OxmRules();
        ReadOnlySpan<byte> tlvs = bytes[4..length];
        while (!tlvs.IsEmpty)
        {
            if (!OxmCodec.TryRead(tlvs, out OxmEntry e, out int used, out error) || !rules.TryAdd(e, out error))
            {
                return false;
            }
            entries.Add(e);
            tlvs = tlvs[used..];
        }
        match = OfpMatch.FromValidated(entries);
        consumed = padded;
        error = default;
        return true;
    }

    public static void Write(MessageWriter w, OfpMatch match)
    {
        int start = w.Length;
        w.U16(TypeOxm);
        w.U16((ushort)(4 + match.OxmLength));
        foreach (OxmEntry e in match.Entries)
        {
            OxmCodec.Write(w, e);
        }
        w.PadTo8(start);
    }
}
