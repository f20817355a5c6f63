using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VSwitch.Flows.Keys;

/// <summary>
/// The fields of a packet that flows can match on: a flat, fixed-size, blittable struct (the OVS
/// miniflow idea without the compression). Fields a packet does not have are zero.
/// Design note: the layout has no padding (80 bytes, ten 64-bit words, see <see cref="Size"/>), so
/// equality and hashing work on the raw words; the private reserved field keeps the tail explicit
/// and is always zero. Cost: <see cref="ComputeHash"/> is ten CRC32-C steps in two parallel chains; <see cref="Equals(FlowKey)"/>
/// is five 128-bit compares. A value type with no thread affinity.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct FlowKey : IEquatable<FlowKey>
{
    /// <summary>Size in bytes; a multiple of 8 with no padding.</summary>
    public const int Size = 80;

    /// <summary>Number of 64-bit words in the key.</summary>
    public const int Words = Size / sizeof(ulong);

    /// <summary>IPv6 source address, first octet in the most significant byte.</summary>
    public UInt128 Ipv6Src;

    /// <summary>IPv6 destination address, first octet in the most significant byte.</summary>
    public UInt128 Ipv6Dst;

    /// <summary>Ethernet source address as a 48-bit value (<see cref="Core.Net.MacAddress.Value"/>).</summary>
    public ulong DlSrc;

    /// <summary>Ethernet destination address as a 48-bit value (<see cref="Core.Net.MacAddress.Value"/>).</summary>
    public ulong DlDst;

    /// <summary>IPv4 source address in host order, or the ARP sender protocol address.</summary>
    public uint NwSrc;

    /// <summary>IPv4 destination address in host order, or the ARP target protocol address.</summary>
    public uint NwDst;

    /// <summary>The port the packet came in on.</summary>
    public ushort InPort;

    /// <summary>
    /// 802.1Q TCI with bit 0x1000 (CFI) set when a tag is present, as OVS does: 0 means untagged.
    /// With two tags this is the inner (customer) tag.
    /// </summary>
    public ushort VlanTci;

    /// <summary>The outer (802.1ad service) tag of a double-tagged frame, same convention as <see cref="VlanTci"/>.</summary>
    public ushort OuterVlanTci;

    /// <summary>EtherType after any VLAN tags; 0x05ff for 802.3 frames with a length field (OVS convention).</summary>
    public ushort DlType;

    /// <summary>TCP/UDP/SCTP source port, or the ICMP/ICMPv6 type.</summary>
    public ushort TpSrc;

    /// <summary>TCP/UDP/SCTP destination port, or the ICMP/ICMPv6 code.</summary>
    public ushort TpDst;

    /// <summary>The 12 TCP flag bits (FIN 0x001 ... NS 0x100).</summary>
    public ushort TcpFlags;

    /// <summary>ARP opcode.</summary>
    public ushort ArpOp;

    /// <summary>Which layers were parsed (<see cref="FlowKeyLayers"/> bits).</summary>
    public ushort Present;

    /// <summary>IP protocol (IPv4) or final next header (IPv6).</summary>
    public byte NwProto;

    /// <summary>The whole IPv4 TOS / IPv6 traffic class byte (DSCP in the upper six bits, ECN in the lower two).</summary>
    public byte NwTos;

    /// <summary>IPv4 TTL or IPv6 hop limit.</summary>
    public byte NwTtl;

    /// <summary>Fragment state: 0 not a fragment, 1 first fragment, 3 later fragment (OVS FLOW_NW_FRAG_ANY | LATER).</summary>
    public byte NwFrag;

    private ushort _reserved;

    /// <summary>A key whose every field is zero.</summary>
    public static FlowKey Zero => default;

    /// <summary>
    /// A 32-bit hash of every field (two CRC32-C chains over the ten words, combined, then a final avalanche step).
    /// Equal keys give equal hashes; the exact-match cache uses it to pick slots.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly uint ComputeHash()
    {
        // Two independent CRC chains over the even and the odd words: each CRC step waits for the previous one
        // (3 cycles on x86), so two chains halve the latency of the ten steps. Unrolled over the fixed ten words.
        ReadOnlySpan<ulong> w = AsWords(in this);
        ulong last = w[Words - 1]; // one bounds check up front covers the lower indexes
        uint a = BitOperations.Crc32C(0x9e3779b9u, w[0]);
        uint b = BitOperations.Crc32C(0x7f4a7c15u, w[1]);
        a = BitOperations.Crc32C(a, w[2]);
        b = BitOperations.Crc32C(b, w[3]);
        a = BitOperations.Crc32C(a, w[4]);
        b = BitOperations.Crc32C(b, w[5]);
        a = BitOperations.Crc32C(a, w[6]);
        b = BitOperations.Crc32C(b, w[7]);
        a = BitOperations.Crc32C(a, w[8]);
        b = BitOperations.Crc32C(b, last);
        return Avalanche(a ^ BitOperations.RotateLeft(b, 16));
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool Equals(FlowKey other) => AsBytes(in this).SequenceEqual(AsBytes(in other));

    /// <inheritdoc/>
    public override readonly bool Equals(object? obj) => obj is FlowKey k && Equals(k);

    /// <inheritdoc/>
    public override readonly int GetHashCode() => (int)ComputeHash();

    /// <summary>Field-wise equality.</summary>
    public static bool operator ==(FlowKey left, FlowKey right) => left.Equals(right);

    /// <summary>Field-wise inequality.</summary>
    public static bool operator !=(FlowKey left, FlowKey right) => !left.Equals(right);

    /// <summary>The key as ten 64-bit words (read-only view of the caller's storage).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ReadOnlySpan<ulong> AsWords(in FlowKey key) =>
        MemoryMarshal.Cast<FlowKey, ulong>(MemoryMarshal.CreateReadOnlySpan(in key, 1));

    /// <summary>The key as ten writable 64-bit words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Span<ulong> AsWritableWords(ref FlowKey key) =>
        MemoryMarshal.Cast<FlowKey, ulong>(MemoryMarshal.CreateSpan(ref key, 1));

    /// <summary>The key as 80 bytes (read-only view of the caller's storage).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ReadOnlySpan<byte> AsBytes(in FlowKey key) =>
        MemoryMarshal.AsBytes(MemoryMarshal.CreateReadOnlySpan(in key, 1));

    /// <summary>murmur3's 32-bit finaliser: spreads CRC's linear output over all bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint Avalanche(uint h)
    {
        h ^= h >> 16;
        h *= 0x85ebca6b;
        h ^= h >> 13;
        h *= 0xc2b2ae35;
        h ^= h >> 16;
        return h;
    }
}
