using VSwitch.TestKit.Virtio;
using VSwitch.Virtio.Memory;
using Xunit;

namespace VSwitch.Virtio.Tests.Memory;

public sealed unsafe class GuestMemoryTests
{
    private const ulong Base = 0x10_0000;
    private const int Size = 8192;

    [Fact]
    public void Range_inside_a_region_maps_to_its_host_bytes()
    {
        var fake = new FakeGuestMemory(Base, Size);
        fake.Write(Base + 100, [1, 2, 3]);

        Assert.True(fake.Memory.TryGetSpan(new GuestAddress(Base + 100), 3, out Span<byte> span));
        Assert.Equal(new byte[] { 1, 2, 3 }, span.ToArray());
        Assert.True(fake.Memory.TryGetPointer(new GuestAddress(Base + 100), 3, out byte* p));
        Assert.Equal(2, p[1]);
    }

    [Theory]
    [InlineData(Base, Size, true)]                 // the whole region
    [InlineData(Base + Size - 1, 1, true)]         // last byte
    [InlineData(Base + Size - 1, 2, false)]        // one past the end
    [InlineData(Base + Size, 0, false)]            // start just past the end
    [InlineData(Base - 1, 1, false)]               // just below
    [InlineData(Base - 1, 2, false)]               // straddles the start
    [InlineData(Base, 0, true)]                    // empty range at the start
    [InlineData(Base + 4096, 4096, true)]
    [InlineData(Base + 4096, 4097, false)]
    public void Range_must_lie_entirely_inside(ulong gpa, uint length, bool expected)
    {
        var fake = new FakeGuestMemory(Base, Size);
        Assert.Equal(expected, fake.Memory.TryGetSpan(new GuestAddress(gpa), length, out _));
        Assert.Equal(expected, fake.Memory.TryGetPointer(new GuestAddress(gpa), length, out _));
        Assert.Equal(expected, fake.Memory.TryGetWindow(new GuestAddress(gpa), length, out _));
    }

    [Theory]
    [InlineData(ulong.MaxValue, 1u)]
    [InlineData(ulong.MaxValue, 2u)]
    [InlineData(ulong.MaxValue - 10, 100u)]
    [InlineData(Base + 16, uint.MaxValue)]
    public void Address_plus_length_overflow_is_rejected(ulong gpa, uint length)
    {
        var fake = new FakeGuestMemory([(Base, Size), (ulong.MaxValue - 8191, 4096)]);
        Assert.False(fake.Memory.TryGetSpan(new GuestAddress(gpa), length, out _));
        Assert.False(fake.Memory.TryGetPointer(new GuestAddress(gpa), length, out _));
        Assert.True(fake.GuardsIntact());
    }

    [Fact]
    public void Range_spanning_two_adjacent_regions_is_rejected()
    {
        var fake = new FakeGuestMemory([(Base, 4096), (Base + 4096, 4096)]);

        Assert.True(fake.Memory.TryGetSpan(new GuestAddress(Base + 4000), 96, out _));
        Assert.True(fake.Memory.TryGetSpan(new GuestAddress(Base + 4096), 96, out _));
        Assert.False(fake.Memory.TryGetSpan(new GuestAddress(Base + 4000), 200, out _));
        Assert.False(fake.Memory.TryRead(new GuestAddress(Base + 4094), out uint _));
    }

    [Fact]
    public void Empty_memory_maps_nothing()
    {
        Assert.False(GuestMemory.Empty.TryGetSpan(new GuestAddress(0), 0, out _));
        Assert.False(GuestMemory.Empty.TryRead(new GuestAddress(0), out byte _));
        Assert.Equal(0, GuestMemory.Empty.Regions.Length);
    }

    [Fact]
    public void Read_write_round_trip_and_bounds()
    {
        var fake = new FakeGuestMemory(Base, Size);
        var m = fake.Memory;

        Assert.True(m.TryWrite(new GuestAddress(Base + Size - 8), 0x0102030405060708UL));
        Assert.True(m.TryRead(new GuestAddress(Base + Size - 8), out ulong v));
        Assert.Equal(0x0102030405060708UL, v);
        Assert.False(m.TryWrite(new GuestAddress(Base + Size - 7), 1UL));
        Assert.False(m.TryRead(new GuestAddress(Base + Size - 7), out ulong _));
        Assert.True(fake.GuardsIntact());
    }

    [Fact]
    public void U16_acquire_release_are_little_endian_and_need_alignment()
    {
        var fake = new FakeGuestMemory(Base, Size);
        var m = fake.Memory;

        Assert.True(m.TryStoreReleaseU16(new GuestAddress(Base + 2), 0xBEEF));
        Assert.Equal(new byte[] { 0xEF, 0xBE }, fake.Read(Base + 2, 2));
        Assert.True(m.TryLoadAcquireU16(new GuestAddress(Base + 2), out ushort v));
        Assert.Equal(0xBEEF, v);
        Assert.False(m.TryLoadAcquireU16(new GuestAddress(Base + 3), out _));
        Assert.False(m.TryStoreReleaseU16(new GuestAddress(Base + Size - 1), 1));
        Assert.False(m.TryLoadAcquireU16(new GuestAddress(Base + Size), out _));
    }

    [Fact]
    public void User_addresses_translate_within_one_region()
    {
        var fake = new FakeGuestMemory([(Base, 4096), (0x40_0000, 4096)]);
        ulong user = 0x40_0000 + FakeGuestMemory.UserAddressOffset;

        Assert.True(fake.Memory.TryTranslateUserAddress(user + 16, 100, out GuestAddress gpa));
        Assert.Equal(0x40_0000UL + 16, gpa.Value);
        Assert.False(fake.Memory.TryTranslateUserAddress(user + 4000, 200, out _));
        Assert.False(fake.Memory.TryTranslateUserAddress(user - 1, 1, out _));
        Assert.False(fake.Memory.TryTranslateUserAddress(ulong.MaxValue, 2, out _));
        Assert.False(fake.Memory.TryTranslateUserAddress(user, ulong.MaxValue, out _));
    }

    [Fact]
    public void Constructor_rejects_bad_region_tables()
    {
        nint h = 0x1000_0000;
        Assert.Throws<ArgumentException>(() => new GuestMemory([new GuestRegion(0, 0, 0, h)]));
        Assert.Throws<ArgumentException>(() => new GuestMemory([new GuestRegion(0, 4096, 0, 0)]));
        Assert.Throws<ArgumentException>(() => new GuestMemory([new GuestRegion(ulong.MaxValue - 10, 4096, 0, h)]));
        Assert.Throws<ArgumentException>(() => new GuestMemory([new GuestRegion(0, 4096, ulong.MaxValue - 10, h)]));
        Assert.Throws<ArgumentException>(() => new GuestMemory([
            new GuestRegion(0, 8192, 0x100000, h), new GuestRegion(4096, 4096, 0x200000, h + 0x10000)]));
        Assert.Throws<ArgumentException>(() => new GuestMemory([
            new GuestRegion(0, 4096, 0x100000, h), new GuestRegion(0x10000, 4096, 0x100800, h + 0x10000)]));

        // The last byte of the address space is a valid region end; touching regions do not overlap.
        var ok = new GuestMemory([
            new GuestRegion(ulong.MaxValue - 4095, 4096, 0, h), new GuestRegion(0, 4096, 4096, h + 4096)]);
        Assert.Equal(2, ok.Regions.Length);
        Assert.True(ok.TryGetPointer(new GuestAddress(ulong.MaxValue), 1, out _));
    }

    [Fact]
    public void Window_accessors_check_their_offsets()
    {
        var fake = new FakeGuestMemory(Base, Size);
        Assert.True(fake.Memory.TryGetWindow(new GuestAddress(Base + 64), 16, out GuestWindow w));

        Assert.True(w.TryWriteU16(14, 7));
        Assert.False(w.TryWriteU16(15, 7));
        Assert.False(w.TryWriteU16(ulong.MaxValue, 7));
        Assert.True(w.TryReadDescriptorBytes(0, out _, out _, out _, out ushort next));
        Assert.Equal(7, next);
        Assert.False(w.TryReadDescriptorBytes(1, out _, out _, out _, out _));
        Assert.False(w.TryCopyFrom(8, new byte[9]));
        Assert.False(w.TryCopyTo(ulong.MaxValue - 2, new byte[4]));
        Assert.False(w.TryWriteU32Pair(9, 1, 2));
        Assert.True(fake.GuardsIntact());
    }

    [Fact]
    public void Packed_used_body_write_leaves_address_and_flags_alone()
    {
        const ulong Base = 0x10000;
        var fake = new FakeGuestMemory(Base, 4096);
        byte[] before = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0x82, 0x80];
        fake.Write(Base, before);
        Assert.True(fake.Memory.TryGetWindow(new GuestAddress(Base), 16, out GuestWindow w));

        Assert.True(w.TryWritePackedUsedBody(0, 0x11223344, 0x5566));

        // The flags word (bytes 14..15) is published by its own release store; nothing else may touch it.
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 0x44, 0x33, 0x22, 0x11, 0x66, 0x55, 0x82, 0x80], fake.Read(Base, 16));
        Assert.False(w.TryWritePackedUsedBody(1, 0, 0));
    }
}
