using VSwitch.Core.Packets;
using Xunit;

namespace VSwitch.Core.Tests.Packets;

public class PacketPoolTests
{
    [Fact]
    public void Rents_every_buffer_once_then_reports_empty()
    {
        var pool = new PacketPool(4, dataRoom: 256);
        var rented = new List<PacketBuffer>();
        while (pool.TryRent(out var b))
        {
            rented.Add(b);
        }
        Assert.Equal(4, rented.Count);
        Assert.Equal(4, rented.Distinct().Count());
        Assert.Equal(1, pool.RentFailures);
        foreach (var b in rented)
        {
            b.Free();
        }
        Assert.Equal(4, pool.Available);
    }

    [Fact]
    public void Double_return_throws()
    {
        var pool = new PacketPool(2, dataRoom: 256);
        Assert.True(pool.TryRent(out var b));
        b.Free();
        Assert.Throws<InvalidOperationException>(() => b.Free());
    }

    [Fact]
    public void Return_to_wrong_pool_throws()
    {
        var a = new PacketPool(1, dataRoom: 256);
        var other = new PacketPool(1, dataRoom: 256);
        Assert.True(a.TryRent(out var b));
        Assert.Throws<InvalidOperationException>(() => other.Return(b));
    }

    [Fact]
    public void Slots_are_cache_aligned_and_disjoint()
    {
        var pool = new PacketPool(3, dataRoom: 100, headroom: 16);
        Assert.Equal(128, pool.SlotSize);
        Assert.True(pool.TryRent(out var x));
        Assert.True(pool.TryRent(out var y));
        Assert.True(x.TrySetLength(x.Capacity));
        Assert.True(y.TrySetLength(y.Capacity));
        x.Span.Fill(0xAA);
        y.Span.Fill(0x55);
        Assert.All(x.Span.ToArray(), v => Assert.Equal(0xAA, v));
    }

    [Fact]
    public unsafe void Prepend_uses_headroom_and_external_packets_can_be_made_owned()
    {
        var pool = new PacketPool(1, dataRoom: 256, headroom: 8);
        Assert.True(pool.TryRent(out var b));
        Assert.True(b.TryCopyFrom(new byte[] { 1, 2, 3 }));
        Assert.True(b.TryPrepend(4));
        Assert.False(b.TryPrepend(5));
        Assert.Equal(7, b.Length);

        byte[] lent = [9, 8, 7, 6];
        fixed (byte* p = lent)
        {
            b.AttachExternal(p, lent.Length);
            Assert.True(b.IsExternal);
            Assert.False(b.TryPrepend(1));
            Assert.True(b.TryMakeOwned());
        }
        lent[0] = 0;
        Assert.False(b.IsExternal);
        Assert.Equal(new byte[] { 9, 8, 7, 6 }, b.Span.ToArray());
    }
}
