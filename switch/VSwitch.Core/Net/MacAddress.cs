using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace VSwitch.Core.Net;

/// <summary>A 48-bit Ethernet address held in the low bits of a <see cref="ulong"/> (first octet most significant).</summary>
public readonly record struct MacAddress(ulong Value)
{
    /// <summary>Length in bytes on the wire.</summary>
    public const int Size = 6;

    /// <summary>ff:ff:ff:ff:ff:ff.</summary>
    public static MacAddress Broadcast => new(0xffff_ffff_ffffUL);

    /// <summary>True for group (multicast or broadcast) addresses: the I/G bit of the first octet.</summary>
    public bool IsMulticast => (Value & 0x0100_0000_0000UL) != 0;

    /// <summary>True for ff:ff:ff:ff:ff:ff.</summary>
    public bool IsBroadcast => Value == 0xffff_ffff_ffffUL;

    /// <summary>Reads 6 bytes in network order. The span must hold at least 6 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static MacAddress Read(ReadOnlySpan<byte> bytes) =>
        new(((ulong)BinaryPrimitives.ReadUInt16BigEndian(bytes) << 32) | BinaryPrimitives.ReadUInt32BigEndian(bytes[2..]));

    /// <summary>Writes 6 bytes in network order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(Span<byte> bytes)
    {
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)(Value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(bytes[2..], (uint)Value);
    }

    /// <summary>Parses <c>aa:bb:cc:dd:ee:ff</c> (also with <c>-</c> separators).</summary>
    public static bool TryParse(string? text, out MacAddress mac)
    {
        mac = default;
        if (text is null || text.Length != 17)
        {
            return false;
        }
        ulong v = 0;
        for (int i = 0; i < 6; i++)
        {
            if (i > 0 && text[(i * 3) - 1] != ':' && text[(i * 3) - 1] != '-')
            {
                return false;
            }
            if (!byte.TryParse(text.AsSpan(i * 3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
            {
                return false;
            }
            v = (v << 8) | b;
        }
        mac = new MacAddress(v);
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/>.</summary>
    public static MacAddress Parse(string text) =>
        TryParse(text, out var mac) ? mac : ThrowFormat(text);

    [DoesNotReturn]
    private static MacAddress ThrowFormat(string text) => throw new FormatException($"'{text}' is not a MAC address (expected aa:bb:cc:dd:ee:ff)");

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{(byte)(Value >> 40):x2}:{(byte)(Value >> 32):x2}:{(byte)(Value >> 24):x2}:{(byte)(Value >> 16):x2}:{(byte)(Value >> 8):x2}:{(byte)Value:x2}");
}
