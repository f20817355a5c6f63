using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VSwitch.Flows.Keys;

/// <summary>
/// Which bits of a <see cref="FlowKey"/> a flow cares about: the same fields in the same layout,
/// a set bit meaning "this bit must equal the flow's value". <c>default</c> (and <see cref="CatchAll"/>)
/// matches every packet. A value type with no thread affinity; <see cref="Apply"/> is one AND per word.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct FlowMask : IEquatable<FlowMask>
{
    /// <summary>Mask of <see cref="FlowKey.Ipv6Src"/>.</summary>
    public UInt128 Ipv6Src;

    /// <summary>Mask of <see cref="FlowKey.Ipv6Dst"/>.</summary>
    public UInt128 Ipv6Dst;

    /// <summary>Mask of <see cref="FlowKey.NdTarget"/>.</summary>
    public UInt128 NdTarget;

    /// <summary>Mask of <see cref="FlowKey.DlSrc"/> (48 bits).</summary>
    public ulong DlSrc;

    /// <summary>Mask of <see cref="FlowKey.DlDst"/> (48 bits).</summary>
    public ulong DlDst;

    /// <summary>Mask of <see cref="FlowKey.Metadata"/>.</summary>
    public ulong Metadata;

    /// <summary>Mask of <see cref="FlowKey.ArpSha"/> (48 bits).</summary>
    public ulong ArpSha;

    /// <summary>Mask of <see cref="FlowKey.ArpTha"/> (48 bits).</summary>
    public ulong ArpTha;

    /// <summary>Mask of <see cref="FlowKey.TunId"/>.</summary>
    public ulong TunId;

    /// <summary>Mask of <see cref="FlowKey.NwSrc"/>.</summary>
    public uint NwSrc;

    /// <summary>Mask of <see cref="FlowKey.NwDst"/>.</summary>
    public uint NwDst;

    /// <summary>Mask of <see cref="FlowKey.TunSrc"/>.</summary>
    public uint TunSrc;

    /// <summary>Mask of <see cref="FlowKey.TunDst"/>.</summary>
    public uint TunDst;

    /// <summary>Mask of <see cref="FlowKey.InPort"/>.</summary>
    public ushort InPort;

    /// <summary>Mask of <see cref="FlowKey.VlanTci"/>.</summary>
    public ushort VlanTci;

    /// <summary>Mask of <see cref="FlowKey.InnerVlanTci"/>.</summary>
    public ushort InnerVlanTci;

    /// <summary>Mask of <see cref="FlowKey.DlType"/>.</summary>
    public ushort DlType;

    /// <summary>Mask of <see cref="FlowKey.TpSrc"/>.</summary>
    public ushort TpSrc;

    /// <summary>Mask of <see cref="FlowKey.TpDst"/>.</summary>
    public ushort TpDst;

    /// <summary>Mask of <see cref="FlowKey.TcpFlags"/>.</summary>
    public ushort TcpFlags;

    /// <summary>Mask of <see cref="FlowKey.ArpOp"/>.</summary>
    public ushort ArpOp;

    /// <summary>Mask of <see cref="FlowKey.Ipv6Label"/>.</summary>
    public uint Ipv6Label;

    /// <summary>Mask of <see cref="FlowKey.Present"/>.</summary>
    public ushort Present;

    /// <summary>Mask of <see cref="FlowKey.NwProto"/>.</summary>
    public byte NwProto;

    /// <summary>Mask of <see cref="FlowKey.NwTos"/>.</summary>
    public byte NwTos;

    /// <summary>Mask of <see cref="FlowKey.NwTtl"/>.</summary>
    public byte NwTtl;

    /// <summary>Mask of <see cref="FlowKey.NwFrag"/>.</summary>
    public byte NwFrag;

    private ushort _reserved0;
    private uint _reserved1;

    /// <summary>The mask that matches every packet (all bits wildcarded).</summary>
    public static FlowMask CatchAll => default;

    /// <summary>The mask that makes every bit matter (an exact match).</summary>
    public static FlowMask Exact
    {
        get
        {
            FlowMask m = default;
            Span<ulong> w = MemoryMarshal.Cast<FlowMask, ulong>(MemoryMarshal.CreateSpan(ref m, 1));
            w.Fill(ulong.MaxValue);
            m._reserved0 = 0;
            m._reserved1 = 0;
            return m;
        }
    }

    /// <summary>True when no bit matters.</summary>
    public readonly bool IsCatchAll
    {
        get
        {
            ReadOnlySpan<ulong> w = AsWords(in this);
            for (int i = 0; i < w.Length; i++)
            {
                if (w[i] != 0)
                {
                    return false;
                }
            }
            return true;
        }
    }

    /// <summary>Returns <paramref name="key"/> with every bit this mask ignores cleared.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly FlowKey Apply(in FlowKey key)
    {
        FlowKey result = default;
        ReadOnlySpan<ulong> k = FlowKey.AsWords(in key);
        ReadOnlySpan<ulong> m = AsWords(in this);
        Span<ulong> r = FlowKey.AsWritableWords(ref result);
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = k[i] & m[i];
        }
        return result;
    }

    /// <summary>True when every bit set in <paramref name="other"/> is also set here (this mask is at least as specific).</summary>
    public readonly bool Covers(in FlowMask other)
    {
        ReadOnlySpan<ulong> a = AsWords(in this);
        ReadOnlySpan<ulong> b = AsWords(in other);
        for (int i = 0; i < a.Length; i++)
        {
            if ((b[i] & ~a[i]) != 0)
            {
                return false;
            }
        }
        return true;
    }

    /// <inheritdoc/>
    public readonly bool Equals(FlowMask other) =>
        MemoryMarshal.AsBytes(AsWords(in this)).SequenceEqual(MemoryMarshal.AsBytes(AsWords(in other)));

    /// <inheritdoc/>
    public override readonly bool Equals(object? obj) => obj is FlowMask m && Equals(m);

    /// <inheritdoc/>
    public override readonly int GetHashCode() => (int)AsKey(in this).ComputeHash();

    /// <summary>Bit-wise equality.</summary>
    public static bool operator ==(FlowMask left, FlowMask right) => left.Equals(right);

    /// <summary>Bit-wise inequality.</summary>
    public static bool operator !=(FlowMask left, FlowMask right) => !left.Equals(right);

    /// <summary>The mask as 64-bit words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ReadOnlySpan<ulong> AsWords(in FlowMask mask) =>
        MemoryMarshal.Cast<FlowMask, ulong>(MemoryMarshal.CreateReadOnlySpan(in mask, 1));

    /// <summary>The mask as writable 64-bit words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Span<ulong> AsWritableWords(ref FlowMask mask) =>
        MemoryMarshal.Cast<FlowMask, ulong>(MemoryMarshal.CreateSpan(ref mask, 1));

    /// <summary>ORs every bit of <paramref name="other"/> into this mask.</summary>
    public void UnionWith(in FlowMask other)
    {
        Span<ulong> a = AsWritableWords(ref this);
        ReadOnlySpan<ulong> b = AsWords(in other);
        for (int i = 0; i < a.Length; i++)
        {
            a[i] |= b[i];
        }
    }

    /// <summary>The same bits viewed as a key (identical layout).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ref readonly FlowKey AsKey(in FlowMask mask) => ref Unsafe.As<FlowMask, FlowKey>(ref Unsafe.AsRef(in mask));
}
