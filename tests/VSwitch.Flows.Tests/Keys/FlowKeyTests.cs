using System.Reflection;
using System.Runtime.CompilerServices;
using VSwitch.Flows.Keys;
using Xunit;

namespace VSwitch.Flows.Tests.Keys;

public sealed class FlowKeyTests
{
    [Fact]
    public void Layout_is_144_bytes_without_padding()
    {
        Assert.Equal(FlowKey.Size, Unsafe.SizeOf<FlowKey>());
        Assert.Equal(FlowKey.Size, Unsafe.SizeOf<FlowMask>());
        int sum = typeof(FlowKey).GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Sum(f => f.FieldType == typeof(UInt128) ? 16 : Marshal(f.FieldType));
        Assert.Equal(FlowKey.Size, sum);
    }

    [Fact]
    public void Mask_fields_have_the_key_fields_offsets()
    {
        FlowKey key = default;
        FlowMask mask = default;
        // Setting the same field in both and comparing raw words proves identical offsets.
        foreach (FieldInfo kf in typeof(FlowKey).GetFields(BindingFlags.Instance | BindingFlags.Public))
        {
            FieldInfo mf = typeof(FlowMask).GetField(kf.Name)!;
            Assert.Equal(kf.FieldType, mf.FieldType);
            object boxedKey = default(FlowKey);
            object boxedMask = default(FlowMask);
            object allOnes = kf.FieldType == typeof(UInt128) ? UInt128.MaxValue : Convert.ChangeType(ulong.MaxValue & MaxOf(kf.FieldType), kf.FieldType);
            kf.SetValue(boxedKey, allOnes);
            mf.SetValue(boxedMask, allOnes);
            key = (FlowKey)boxedKey;
            mask = (FlowMask)boxedMask;
            Assert.Equal(key, FlowMask.Exact.Apply(key));
            Assert.Equal(key, mask.Apply(key));
            FlowKey everything = AllOnes();
            Assert.Equal(key, mask.Apply(everything));
        }
    }

    [Fact]
    public void Equal_keys_hash_equal_and_every_field_changes_the_hash()
    {
        FlowKey a = Sample();
        FlowKey b = Sample();
        Assert.Equal(a, b);
        Assert.Equal(a.ComputeHash(), b.ComputeHash());
        foreach (FieldInfo f in typeof(FlowKey).GetFields(BindingFlags.Instance | BindingFlags.Public))
        {
            object boxed = Sample();
            object value = f.GetValue(boxed)!;
            object changed = f.FieldType == typeof(UInt128) ? (UInt128)value ^ 1 : Convert.ChangeType(Convert.ToUInt64(value) ^ 1, f.FieldType);
            f.SetValue(boxed, changed);
            var c = (FlowKey)boxed;
            Assert.NotEqual(a, c);
            Assert.NotEqual(a.ComputeHash(), c.ComputeHash());
        }
    }

    [Fact]
    public void Covers_is_a_bit_subset()
    {
        var wide = new FlowMask { NwDst = 0xffff0000 };
        var narrow = new FlowMask { NwDst = 0xffffff00, InPort = 0xffff };
        Assert.True(narrow.Covers(wide));
        Assert.False(wide.Covers(narrow));
        Assert.True(wide.Covers(FlowMask.CatchAll));
        Assert.True(FlowMask.CatchAll.IsCatchAll);
        Assert.False(narrow.IsCatchAll);
    }

    private static FlowKey Sample() => new()
    {
        InPort = 3, DlSrc = 0x020000000001, DlDst = 0x020000000002, VlanTci = 0x1064, InnerVlanTci = 0x1001, DlType = 0x0800, NdTarget = 7, Metadata = 8, ArpSha = 9, ArpTha = 10, Ipv6Label = 11,
        NwSrc = 0x0a000001, NwDst = 0x0a000002, Ipv6Src = 5, Ipv6Dst = 6, NwProto = 6, NwTos = 4, NwTtl = 64, NwFrag = 1,
        TpSrc = 1000, TpDst = 80, TcpFlags = 2, ArpOp = 1, Present = 0x51,
    };

    private static FlowKey AllOnes()
    {
        FlowKey k = default;
        foreach (FieldInfo f in typeof(FlowKey).GetFields(BindingFlags.Instance | BindingFlags.Public))
        {
            object boxed = k;
            f.SetValue(boxed, f.FieldType == typeof(UInt128) ? UInt128.MaxValue : Convert.ChangeType(MaxOf(f.FieldType), f.FieldType));
            k = (FlowKey)boxed;
        }
        return k;
    }

    private static ulong MaxOf(Type t) => t == typeof(byte) ? byte.MaxValue : t == typeof(ushort) ? ushort.MaxValue : t == typeof(uint) ? uint.MaxValue : ulong.MaxValue;

    private static int Marshal(Type t) => t == typeof(byte) ? 1 : t == typeof(ushort) ? 2 : t == typeof(uint) ? 4 : 8;
}
