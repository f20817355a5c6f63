using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace VSwitch.Core.Offload;

/// <summary>
/// The Internet checksum (RFC 1071): the one's-complement sum of 16-bit words, and its complement. Design note: the
/// sum does not depend on byte order (RFC 1071 §2(B)), so words are added as the machine reads them, 32 bits at a
/// time into a 64-bit accumulator, and the folded result is stored back in the same order; only values built from
/// numbers (a pseudo-header's protocol and length) go through <see cref="Word"/>. Every region summed must start at
/// an even distance from the start of the checksummed data (true of headers and of a payload right behind them).
/// Stateless and thread-safe; no allocation. Cost: about one add per four bytes.
/// </summary>
public static unsafe class InternetChecksum
{
    /// <summary>
    /// Adds the bytes [<paramref name="data"/>, +<paramref name="length"/>) to <paramref name="sum"/> (an odd last byte
    /// counts as the high byte of a word padded with zero) and returns the new, unfolded sum.
    /// </summary>
    public static ulong Add(byte* data, int length, ulong sum)
    {
        // SAFETY: the caller guarantees length readable bytes at data; every read below stays inside them.
        while (length >= 32)
        {
            sum += (ulong)Unsafe.ReadUnaligned<uint>(data) + Unsafe.ReadUnaligned<uint>(data + 4)
                + Unsafe.ReadUnaligned<uint>(data + 8) + Unsafe.ReadUnaligned<uint>(data + 12)
                + Unsafe.ReadUnaligned<uint>(data + 16) + Unsafe.ReadUnaligned<uint>(data + 20)
                + Unsafe.ReadUnaligned<uint>(data + 24) + Unsafe.ReadUnaligned<uint>(data + 28);
            data += 32;
            length -= 32;
        }
        while (length >= 4)
        {
            sum += Unsafe.ReadUnaligned<uint>(data);
            data += 4;
            length -= 4;
        }
        if (length >= 2)
        {
            sum += Unsafe.ReadUnaligned<ushort>(data);
            data += 2;
            length -= 2;
        }
        if (length == 1)
        {
            sum += BitConverter.IsLittleEndian ? data[0] : (ulong)data[0] << 8;
        }
        return sum;
    }

    /// <summary>A 16-bit number as it adds into a sum of words read in machine order (a pseudo-header's protocol, length).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Word(ushort value) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value;

    /// <summary>Folds <paramref name="sum"/> to 16 bits with end-around carry (machine order, not complemented).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Fold(ulong sum)
    {
        sum = (sum & 0xffff_ffff) + (sum >> 32);
        sum = (sum & 0xffff_ffff) + (sum >> 32);
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)sum;
    }

    /// <summary>
    /// The value to store in a checksum field, in machine order: the complement of the folded sum, with a result of 0
    /// sent as 0xffff (the same number in one's complement; UDP needs it, RFC 768, and TCP receivers accept it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Finish(ulong sum)
    {
        ushort value = (ushort)~Fold(sum);
        return value == 0 ? (ushort)0xffff : value;
    }

    /// <summary>Writes a machine-order 16-bit checksum at <paramref name="field"/> (two writable bytes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* field, ushort value) => Unsafe.WriteUnaligned(field, value); // SAFETY: the caller's two bytes.
}
