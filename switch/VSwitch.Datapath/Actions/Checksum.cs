using System.Buffers.Binary;

namespace VSwitch.Datapath.Actions;

/// <summary>
/// The Internet checksum's arithmetic for header edits (RFC 1071 one's-complement sums, RFC 1624 incremental update):
/// sum the 16-bit words an edit touches before and after it, and move the stored checksum by the difference, so an edit
/// costs a few additions and never a pass over the payload. Stateless and thread-safe; no allocation.
/// </summary>
internal static class Checksum
{
    /// <summary>One's-complement sum of the big-endian 16-bit words of <paramref name="bytes"/> (even length), not folded.</summary>
    public static uint Sum(ReadOnlySpan<byte> bytes)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < bytes.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(bytes[i..]);
        }
        return sum;
    }

    /// <summary>
    /// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), where <paramref name="oldSum"/> and <paramref name="newSum"/> are the sums of
    /// the changed words before and after. <paramref name="zeroMeansNone"/> is UDP's rule (RFC 768): a stored 0 means "no
    /// checksum" and stays 0, and a computed 0 is sent as 0xffff.
    /// </summary>
    public static void Update(Span<byte> checksum, uint oldSum, uint newSum, bool zeroMeansNone = false)
    {
        ushort stored = BinaryPrimitives.ReadUInt16BigEndian(checksum);
        if (zeroMeansNone && stored == 0)
        {
            return;
        }
        uint sum = (uint)(ushort)~stored + Fold(~Fold(oldSum) & 0xffff) + Fold(newSum);
        ushort result = (ushort)~Fold(sum);
        if (zeroMeansNone && result == 0)
        {
            result = 0xffff;
        }
        BinaryPrimitives.WriteUInt16BigEndian(checksum, result);
    }

    /// <summary>
    /// The same edit for a checksum still pending (VIRTIO_NET_HDR_F_NEEDS_CSUM, the kernel's CHECKSUM_PARTIAL): the field
    /// holds a partial sum, not inverted, so it moves by the difference of the sums without the complements:
    /// S' = S + ~m + m'. UDP's zero rule does not apply (the field is not a checksum yet).
    /// </summary>
    public static void UpdatePartial(Span<byte> field, uint oldSum, uint newSum)
    {
        uint stored = BinaryPrimitives.ReadUInt16BigEndian(field);
        uint sum = stored + Fold(~Fold(oldSum) & 0xffff) + Fold(newSum);
        BinaryPrimitives.WriteUInt16BigEndian(field, (ushort)Fold(sum));
    }

    /// <summary>Folds a 32-bit sum to 16 bits with end-around carry.</summary>
    public static uint Fold(uint sum)
    {
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        return sum;
    }
}
