using VSwitch.Virtio.Memory;
using Xunit;

namespace VSwitch.Virtio.Tests.Memory;

public sealed unsafe class DirtyLogTests
{
    private static (DirtyLog Log, byte[] Bits) Make(int bytes)
    {
        byte[] bits = GC.AllocateArray<byte>(bytes, pinned: true);
        fixed (byte* p = bits)
        {
            return (new DirtyLog((nint)p, (ulong)bytes), bits);
        }
    }

    private static bool IsSet(byte[] bits, ulong page) => (bits[page / 8] & (1 << (int)(page % 8))) != 0;

    [Fact]
    public void One_byte_marks_its_page_only()
    {
        var (log, bits) = Make(16);
        log.Mark(new GuestAddress((5 * 4096) + 100), 1);

        Assert.True(IsSet(bits, 5));
        Assert.Equal(1, bits.Sum(b => System.Numerics.BitOperations.PopCount(b)));
    }

    [Fact]
    public void Range_crossing_pages_marks_every_touched_page()
    {
        var (log, bits) = Make(16);
        log.Mark(new GuestAddress((7 * 4096) + 4000), 4096 * 10);   // pages 7..17

        for (ulong p = 0; p < 128; p++)
        {
            Assert.Equal(p >= 7 && p <= 17, IsSet(bits, p));
        }
        Assert.Equal(0, log.OutOfRange);
    }

    [Fact]
    public void Zero_length_marks_nothing()
    {
        var (log, bits) = Make(4);
        log.Mark(new GuestAddress(4096), 0);
        Assert.All(bits, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Pages_beyond_the_bitmap_are_counted_not_written()
    {
        var (log, bits) = Make(2);        // 16 pages
        log.Mark(new GuestAddress(14 * 4096), 4 * 4096);   // pages 14..17: two inside, two outside
        log.Mark(new GuestAddress(ulong.MaxValue - 10), 100);

        Assert.True(IsSet(bits, 14));
        Assert.True(IsSet(bits, 15));
        Assert.Equal(0, bits[0]);
        Assert.Equal(0xC0, bits[1]);
        Assert.Equal(3, log.OutOfRange);
    }

    [Fact]
    public void Marking_is_idempotent_and_keeps_other_bits()
    {
        var (log, bits) = Make(4);
        bits[1] = 0x81;
        log.Mark(new GuestAddress(9 * 4096), 4096);
        log.Mark(new GuestAddress(9 * 4096), 4096);
        Assert.Equal(0x83, bits[1]);
    }

    [Fact]
    public void Concurrent_marks_lose_no_bit()
    {
        var (log, bits) = Make(64);   // 512 pages
        Parallel.For(0, 4, t =>
        {
            for (ulong p = (ulong)t; p < 512; p += 4)
            {
                log.Mark(new GuestAddress(p * 4096), 1);
            }
        });
        Assert.All(bits, b => Assert.Equal(0xFF, b));
    }

    [Fact]
    public void Pages_marked_counts_bits_the_log_set_not_writes()
    {
        var (log, bits) = Make(4);
        bits[1] = 0x01;                                          // page 8: already dirty (the frontend has not synced)
        log.Mark(new GuestAddress(5 * 4096), 1);                 // page 5: new
        log.Mark(new GuestAddress((5 * 4096) + 100), 10);        // page 5 again: nothing new
        log.Mark(new GuestAddress(7 * 4096), 3 * 4096);          // pages 7, 8, 9: 8 was set
        Assert.Equal(3, log.PagesMarked);
        bits.AsSpan().Clear();                                   // the frontend copied and cleared
        log.Mark(new GuestAddress(5 * 4096), 1);
        Assert.Equal(4, log.PagesMarked);
        log.Mark(new GuestAddress(40 * 4096), 1);                // beyond the 32 pages: counted apart
        Assert.Equal(4, log.PagesMarked);
        Assert.Equal(1, log.OutOfRange);
        Assert.Equal(32UL, log.PagesCovered);
    }

    [Fact]
    public void Eight_threads_sharing_every_byte_lose_no_bit_and_no_count()
    {
        const int Pages = 4096;
        const int Rounds = 20;
        var (log, bits) = Make(Pages / 8);
        for (int round = 0; round < Rounds; round++)
        {
            using var start = new Barrier(8);
            var threads = new Thread[8];
            for (int t = 0; t < threads.Length; t++)
            {
                int lane = t;
                // Thread t owns bit t of every byte: any lost compare-and-swap shows as a missing bit.
                threads[t] = new Thread(() =>
                {
                    start.SignalAndWait();
                    for (ulong p = (ulong)lane; p < Pages; p += 8)
                    {
                        log.Mark(new GuestAddress(p * 4096), 1);
                    }
                });
                threads[t].Start();
            }
            foreach (Thread t in threads)
            {
                Assert.True(t.Join(TimeSpan.FromSeconds(30)));
            }
            Assert.All(bits, b => Assert.Equal(0xFF, b));
            Assert.Equal((long)Pages * (round + 1), log.PagesMarked);
            bits.AsSpan().Clear();
        }
    }
}
