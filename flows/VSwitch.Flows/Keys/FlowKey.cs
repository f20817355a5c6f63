using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VSwitch.Flows.Keys;

/// <summary>
/// The fields of a packet that flows can match on: a flat, fixed-size, blittable struct (the OVS
/// miniflow idea without the compression). Fields a packet does not have are zero.
/// Design note: the layout has no padding (144 bytes, eighteen 64-bit words, see <see cref="Size"/>), so
/// equality and hashing work on the raw words; the private reserved fields keep the tail explicit and are
/// always zero. <see cref="Metadata"/> is the OpenFlow pipeline register: zero in every received packet, written
/// only while a packet walks the tables. The tunnel block (<see cref="TunId"/>, <see cref="TunSrc"/>,
/// <see cref="TunDst"/>) is copied from the packet's tunnel metadata and is zero for a packet that did not arrive
/// through a tunnel; a flow that does not match it leaves those words out of its megaflow mask, so the classifier
/// never compares them for that flow.
/// Cost: <see cref="ComputeHash"/> is eighteen CRC32-C steps in four parallel chains; <see cref="Equals(FlowKey)"/>
/// is a 144-byte vector compare. A value type with no thread affinity.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct FlowKey : IEquatable<FlowKey>
{
    /// <summary>Size in bytes; a multiple of 8 with no padding.</summary>
    public const int Size = 144;

    /// <summary>Number of 64-bit words in the key.</summary>
    public const int Words = Size / sizeof(ulong);

    /// <summary>IPv6 source address, first octet in the most significant byte.</summary>
    public UInt128 Ipv6Src;

    /// <summary>IPv6 destination address, first octet in the most significant byte.</summary>
    public UInt128 Ipv6Dst;

    /// <summary>Target address of an IPv6 neighbour solicitation or advertisement (RFC 4861 §4.3, §4.4).</summary>
    public UInt128 NdTarget;

    /// <summary>Ethernet source address as a 48-bit value (<see cref="Core.Net.MacAddress.Value"/>).</summary>
    public ulong DlSrc;

    /// <summary>Ethernet destination address as a 48-bit value (<see cref="Core.Net.MacAddress.Value"/>).</summary>
    public ulong DlDst;

    /// <summary>OpenFlow metadata: 0 for a received packet, set by write-metadata between tables.</summary>
    public ulong Metadata;

    /// <summary>ARP sender hardware address, or the source link-layer address option of a neighbour solicitation (48 bits).</summary>
    public ulong ArpSha;

    /// <summary>ARP target hardware address, or the target link-layer address option of a neighbour advertisement (48 bits).</summary>
    public ulong ArpTha;

    /// <summary>Tunnel key of the packet (<c>tun_id</c>: the VXLAN VNI), 0 when it did not come through a tunnel or the key was 0.</summary>
    public ulong TunId;

    /// <summary>IPv4 source address in host order, or the ARP sender protocol address.</summary>
    public uint NwSrc;

    /// <summary>IPv4 destination address in host order, or the ARP target protocol address.</summary>
    public uint NwDst;

    /// <summary>Outer IPv4 source of the tunnel the packet came through (<c>tun_src</c>), host order; 0 for no tunnel.</summary>
    public uint TunSrc;

    /// <summary>Outer IPv4 destination (<c>tun_dst</c>): the local address on receive, the remote after set_field; host order.</summary>
    public uint TunDst;

    /// <summary>The port the packet came in on.</summary>
    public ushort InPort;

    /// <summary>
    /// TCI of the outermost VLAN tag (802.1Q or 802.1ad) with bit 0x1000 (CFI) set when a tag is present, as OVS
    /// does (OpenFlow's OFPVID_PRESENT): 0 means untagged. This is what OpenFlow's VLAN_VID and VLAN_PCP match.
    /// </summary>
    public ushort VlanTci;

    /// <summary>The second tag of a double-tagged frame (the customer tag behind a service tag), same convention as <see cref="VlanTci"/>.</summary>
    public ushort InnerVlanTci;

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

    /// <summary>IPv6 flow label (20 bits).</summary>
    public uint Ipv6Label;

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

    private ushort _reserved0;
    private uint _reserved1;

    /// <summary>A key whose every field is zero.</summary>
    public static FlowKey Zero => default;

    /// <summary>
    /// A 32-bit hash of every field (four CRC32-C chains over the words, combined, then a final avalanche step).
    /// Equal keys give equal hashes; the exact-match cache uses it to pick slots.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly uint ComputeHash()
    {
        // Four independent CRC chains: each CRC step waits for the previous one of its chain (3 cycles on x86), so
        // four chains issue one step per cycle over the eighteen words.
        ReadOnlySpan<ulong> w = AsWords(in this);
        uint a = 0x9e3779b9u, b = 0x7f4a7c15u, c = 0x85ebca6bu, d = 0xc2b2ae35u;
        int i = 0;
        for (; i + 3 < w.Length; i += 4)
        {
            a = BitOperations.Crc32C(a, w[i]);
            b = BitOperations.Crc32C(b, w[i + 1]);
            c = BitOperations.Crc32C(c, w[i + 2]);
            d = BitOperations.Crc32C(d, w[i + 3]);
        }
        for (; i < w.Length; i++)
        {
            a = BitOperations.Crc32C(a, w[i]);
        }
        return Avalanche(a ^ BitOperations.RotateLeft(b, 8) ^ BitOperations.RotateLeft(c, 16) ^ BitOperations.RotateLeft(d, 24));
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

    /// <summary>The key as 64-bit words (read-only view of the caller's storage).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ReadOnlySpan<ulong> AsWords(in FlowKey key) =>
        MemoryMarshal.Cast<FlowKey, ulong>(MemoryMarshal.CreateReadOnlySpan(in key, 1));

    /// <summary>The key as writable 64-bit words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Span<ulong> AsWritableWords(ref FlowKey key) =>
        MemoryMarshal.Cast<FlowKey, ulong>(MemoryMarshal.CreateSpan(ref key, 1));

    /// <summary>The key as bytes (read-only view of the caller's storage).</summary>
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
