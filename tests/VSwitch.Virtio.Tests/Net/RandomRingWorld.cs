using VSwitch.TestKit.Virtio;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Queue;
using Xunit;

namespace VSwitch.Virtio.Tests.Net;

/// <summary>
/// One fake guest generated from a seed: three regions (a main one, one right behind it, one far away), a split ring
/// in the main region, random bytes in a scratch area, and a descriptor table and avail ring that mix well-formed
/// chains (mostly single descriptors, the fast paths' case) with hostile ones: wrong direction, zero and huge lengths,
/// addresses outside or straddling regions or pointing at the ring itself, heads and nexts outside the table, loops,
/// malformed and nested indirect tables, unknown flag bits, avail index jumps. Two worlds built from the same seed are
/// byte-for-byte identical and stay so as long as the same operations are applied to both: every random choice is
/// drawn from the world's own generator, never from what the device did.
/// </summary>
internal sealed class RandomRingWorld
{
    public const ulong Main = 0x100_0000;
    public const int MainSize = 1 << 20;
    public const ulong Adjacent = Main + MainSize;
    public const int AdjacentSize = 64 << 10;
    public const ulong Far = 0x8000_0000;
    public const int FarSize = 64 << 10;

    private const int ScratchSize = 256 << 10;
    private const int TableArea = 16 << 10;      // start of scratch: indirect tables; buffers come after it
    private const int IndirectTables = 16;
    private const int TableEntries = 8;

    private static readonly ushort[] UnknownFlagBits = [8, 0x80, 0x8000, 0x88];

    private readonly Random _r;
    private readonly double _hostility;
    private readonly bool _deviceWrites;
    private readonly int _headerSize;
    private readonly ulong _scratch;
    private bool _hugeNext;

    /// <summary>
    /// Builds the world for <paramref name="seed"/>. <paramref name="deviceWrites"/>: a receive queue (the switch writes
    /// the buffers) or a transmit queue; <paramref name="headerSize"/> biases lengths around header + minimal frame. The
    /// seed also sets how hostile the driver is (the chance that a descriptor or avail entry is drawn from the hostile
    /// mix): none, 2 %, 10 % or 50 %, so that some rings live long enough to carry many packets and others break early
    /// in every possible way.
    /// </summary>
    public RandomRingWorld(int seed, bool deviceWrites, int headerSize)
    {
        _r = new Random(MixSeed(seed, 1));
        _hostility = (seed & 3) switch { 0 => 0, 1 => 0.02, 2 => 0.1, _ => 0.5 };
        _deviceWrites = deviceWrites;
        _headerSize = headerSize;
        Fake = new FakeGuestMemory([(Main, MainSize), (Adjacent, AdjacentSize), (Far, FarSize)], guardBytes: 8192);
        QueueSize = (ushort)(1 << _r.Next(0, 9));
        Driver = new DriverSideQueue(Fake, QueueSize, Main, MainSize);
        _scratch = Driver.Allocate(ScratchSize, alignment: 4096);
        Span<byte> scratch = Fake.Span(_scratch, ScratchSize);
        _r.NextBytes(scratch);
        if (!deviceWrites)
        {
            // The receiver parses the virtio-net header: with every byte random nearly every frame would be an invalid
            // header. Three bytes in four are zero, so about half the headers are plain and the rest say anything.
            for (int i = 0; i < scratch.Length; i++)
            {
                if (_r.Next(4) != 0)
                {
                    scratch[i] = 0;
                }
            }
        }
        Queue = new SplitQueue();
        Driver.Configure(Queue, eventIdx: _r.Next(2) == 0);
        Assert.True(Queue.TryValidate(Fake.Memory));
        for (int t = 0; t < IndirectTables; t++)
        {
            for (int e = 0; e < TableEntries; e++)
            {
                (ulong address, uint length, ushort flags, ushort next) = RandomDescriptor(e, TableEntries, inIndirect: true);
                Driver.WriteRawDescriptorAt(TableAddress(t) + (ulong)(e * Descriptor.Size), address, length, flags, next);
            }
        }
        for (int i = 0; i < QueueSize; i++)
        {
            RewriteDescriptor((ushort)i);
        }
        Offer();
        Driver.SetUsedEvent((ushort)_r.Next(65536));
        Driver.SetAvailFlags((ushort)_r.Next(2));
    }

    public FakeGuestMemory Fake { get; }

    /// <summary>
    /// A well-spread generator seed for stream <paramref name="stream"/> of test seed <paramref name="seed"/> (a fixed
    /// integer mix): generators seeded with nearby or complementary integers give correlated first values.
    /// </summary>
    public static int MixSeed(int seed, int stream)
    {
        ulong z = ((ulong)(uint)seed << 8 | (uint)stream) * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }

    public GuestMemory Memory => Fake.Memory;

    public DriverSideQueue Driver { get; }

    public SplitQueue Queue { get; }

    public ushort QueueSize { get; }

    /// <summary>What the driver does between two device calls: rewrites a few descriptors and offers more heads.</summary>
    public void Mutate()
    {
        int rewrites = _r.Next(0, 4);
        for (int i = 0; i < rewrites; i++)
        {
            RewriteDescriptor((ushort)_r.Next(QueueSize));
        }
        Offer();
    }

    /// <summary>The first offset at which the guest memory of the two worlds differs, or -1 (regions in order).</summary>
    public long FirstDifference(RandomRingWorld other)
    {
        long offset = 0;
        foreach ((ulong gpa, int size) in new[] { (Main, MainSize), (Adjacent, AdjacentSize), (Far, FarSize) })
        {
            Span<byte> mine = Fake.Span(gpa, size);
            Span<byte> theirs = other.Fake.Span(gpa, size);
            int at = mine.CommonPrefixLength(theirs);
            if (at != size)
            {
                return offset + at;
            }
            offset += size;
        }
        return -1;
    }

    private void RewriteDescriptor(ushort index)
    {
        (ulong address, uint length, ushort flags, ushort next) = RandomDescriptor(index, QueueSize, inIndirect: false);
        Driver.WriteDescriptor(index, address, length, flags, next);
    }

    /// <summary>
    /// Offers more heads and publishes them. A well-behaved driver keeps at most a queue's worth outstanding (counted from
    /// the used idx the device published); a hostile one also offers heads outside the table or stores any idx.
    /// </summary>
    private void Offer()
    {
        int room = QueueSize - (ushort)(Driver.AvailIdxShadow - Driver.UsedIdx);
        int count = Hostile() ? _r.Next(0, QueueSize + 1) : _r.Next(0, Math.Max(room, 0) + 1);
        for (int i = 0; i < count; i++)
        {
            Driver.PushAvail((ushort)(Hostile() && _r.Next(3) == 0 ? _r.Next(65536) : _r.Next(QueueSize)));
        }
        if (Hostile() && _r.Next(5) == 0)
        {
            Driver.SetAvailIdxRaw((ushort)_r.Next(65536));
        }
        else
        {
            Driver.PublishAvail();
        }
    }

    /// <summary>
    /// Descriptor <paramref name="index"/> of a table of <paramref name="entries"/>. Well-formed: mostly one buffer
    /// holding a whole packet (runts and jumbo frames included: those are drops, not violations), some links to the
    /// next entry, some indirect tables. Hostile: the wrong direction, links anywhere, malformed indirect descriptors,
    /// or any address, length and flags.
    /// </summary>
    private (ulong Address, uint Length, ushort Flags, ushort Next) RandomDescriptor(int index, int entries, bool inIndirect)
    {
        ushort right = _deviceWrites ? Descriptor.WriteFlag : (ushort)0;
        ushort wrong = (ushort)(right ^ Descriptor.WriteFlag);
        if (_hugeNext)
        {
            // The second half of a budget breaker: with the link before it, more than 2^32 bytes (VIRTIO 1.2 §2.7.5.2).
            _hugeNext = false;
            return (HostileAddress(), uint.MaxValue - (uint)_r.Next(16), right, RandomNext(entries));
        }
        int kind = _r.Next(100);
        if (!Hostile())
        {
            if (kind < 25 && index + 1 < entries)
            {
                uint piece = _r.Next(3) == 0 ? (uint)_r.Next(0, _headerSize + 1) : (uint)_r.Next(0, 800);
                return (ValidAddress(piece), piece, (ushort)(Descriptor.NextFlag | right | UnknownBits()), (ushort)(index + 1));
            }
            if (kind < 35 && !inIndirect)
            {
                return (TableAddress(_r.Next(IndirectTables)), TableEntries * Descriptor.Size, Descriptor.IndirectFlag, 0);
            }
            uint length = BufferLength();
            return (ValidAddress(length), length, (ushort)(right | UnknownBits()), RandomNext(entries));
        }
        if (kind < 20)
        {
            uint length = BufferLength();
            return (ValidAddress(length), length, (ushort)(wrong | UnknownBits()), RandomNext(entries));
        }
        if (kind < 50)
        {
            uint length = _r.Next(3) == 0 ? (uint)_r.Next(0, _headerSize + 1) : (uint)_r.Next(0, 800);
            ushort direction = _r.Next(4) == 0 ? wrong : right;
            return (ValidAddress(length), length, (ushort)(Descriptor.NextFlag | direction | UnknownBits()), RandomNext(entries));
        }
        if (kind < 70)
        {
            return IndirectDescriptor();
        }
        if (kind < 75 && index + 1 < entries)
        {
            _hugeNext = true;
            uint length = (uint)_r.Next(17, 800);
            return (ValidAddress(length), length, (ushort)(Descriptor.NextFlag | right), (ushort)(index + 1));
        }
        ushort flags = _r.Next(4) == 0 ? (ushort)_r.Next(65536) : (ushort)_r.Next(8);
        uint hostileLength = HostileLength();
        ulong address = _r.Next(3) == 0 ? ValidAddress(Math.Min(hostileLength, 4096u)) : HostileAddress();
        return (address, hostileLength, flags, RandomNext(entries));
    }

    private (ulong, uint, ushort, ushort) IndirectDescriptor()
    {
        ulong table = TableAddress(_r.Next(IndirectTables));
        uint length = (uint)(Descriptor.Size * _r.Next(1, TableEntries + 1));
        switch (_r.Next(12))
        {
            case 0: length = 0; break;
            case 1: length = (uint)_r.Next(1, 16); break;
            case 2: length += 8; break;
            case 3: table = HostileAddress(); break;
            case 4: table += 8; break;                        // misaligned: entries read across two descriptors
            case 5: length = (uint)(Descriptor.Size * _r.Next(TableEntries + 1, 64)); break;   // random bytes follow
            default: break;
        }
        ushort flags = Descriptor.IndirectFlag;
        flags |= _r.Next(6) == 0 ? Descriptor.NextFlag : (ushort)0;
        flags |= _r.Next(3) == 0 ? Descriptor.WriteFlag : (ushort)0;   // the device ignores WRITE here (§2.7.5.3.2)
        return (table, length, flags, RandomNext(QueueSize));
    }

    /// <summary>Buffer sizes around what matters: shorter than the header, runts, the minimal frame, typical and jumbo.</summary>
    private uint BufferLength()
    {
        int header = _headerSize;
        return _r.Next(10) switch
        {
            0 => (uint)_r.Next(0, header + 1),
            1 => (uint)(header + _r.Next(0, 14)),
            2 => (uint)(header + 14),
            3 => (uint)(header + _r.Next(14, 128)),
            4 => (uint)(header + _r.Next(1500, 1520)),
            5 => (uint)_r.Next(2040, 2060),
            6 => (uint)_r.Next(9000, 12000),
            _ => (uint)(header + _r.Next(14, 3200)),
        };
    }

    private ulong ValidAddress(uint length)
    {
        int room = ScratchSize - TableArea - (int)Math.Min(length, (uint)(ScratchSize - TableArea));
        return _scratch + TableArea + (ulong)_r.Next(0, room + 1);
    }

    private ulong TableAddress(int table) => _scratch + (ulong)(table * TableArea / IndirectTables);

    private bool Hostile() => _hostility > 0 && _r.NextDouble() < _hostility;

    private ushort UnknownBits() => _r.Next(10) == 0 ? UnknownFlagBits[_r.Next(UnknownFlagBits.Length)] : (ushort)0;

    private ushort RandomNext(int entries) => (ushort)(_r.Next(8) == 0 ? _r.Next(65536) : _r.Next(entries + 1));

    private ulong HostileAddress() => _r.Next(9) switch
    {
        0 => Main + MainSize - (ulong)_r.Next(1, 4096),       // near the end: may straddle into the adjacent region
        1 => Adjacent + (ulong)_r.Next(AdjacentSize),
        2 => Far + (ulong)_r.Next(FarSize),
        3 => (ulong)_r.NextInt64(),                            // anywhere
        4 => ulong.MaxValue - (ulong)_r.Next(64),              // address + length wraps
        5 => Far - (ulong)_r.Next(1, 64),                      // just below a region
        6 => Driver.DescTable.Value + (ulong)_r.Next(0, 16 * QueueSize),   // the ring itself
        7 => 0,
        _ => Adjacent + AdjacentSize - (ulong)_r.Next(1, 64),  // end of the adjacent region, nothing behind it
    };

    private uint HostileLength() => _r.Next(8) switch
    {
        0 => 0,
        1 => uint.MaxValue - (uint)_r.Next(16),
        2 => (uint)int.MaxValue + (uint)_r.Next(16),
        3 => (uint)_r.Next(1, 1 << 21),
        4 => (uint)(Descriptor.Size * _r.Next(1, 40)),
        _ => (uint)_r.Next(1, 2048),
    };
}
