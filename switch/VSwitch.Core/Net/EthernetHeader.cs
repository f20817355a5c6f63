using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace VSwitch.Core.Net;

/// <summary>Offsets and accessors for the Ethernet II header (dst, src, type), read from raw frame bytes.</summary>
public static class EthernetHeader
{
    /// <summary>Header length without VLAN tags.</summary>
    public const int Size = 14;

    /// <summary>Minimum frame length without FCS.</summary>
    public const int MinFrame = 60;

    /// <summary>Offset of the destination address.</summary>
    public const int DestinationOffset = 0;

    /// <summary>Offset of the source address.</summary>
    public const int SourceOffset = 6;

    /// <summary>Offset of the (outer) EtherType or TPID.</summary>
    public const int TypeOffset = 12;

    /// <summary>Destination MAC. The frame must hold at least <see cref="Size"/> bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static MacAddress Destination(ReadOnlySpan<byte> frame) => MacAddress.Read(frame);

    /// <summary>Source MAC. The frame must hold at least <see cref="Size"/> bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static MacAddress Source(ReadOnlySpan<byte> frame) => MacAddress.Read(frame[SourceOffset..]);

    /// <summary>The outer EtherType/TPID. The frame must hold at least <see cref="Size"/> bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Type(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadUInt16BigEndian(frame[TypeOffset..]);
}
