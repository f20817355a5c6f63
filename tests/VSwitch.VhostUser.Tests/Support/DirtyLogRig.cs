using System.Numerics;
using VSwitch.TestKit.Virtio;

namespace VSwitch.VhostUser.Tests.Support;

/// <summary>
/// A dirty log as QEMU makes one for a migration: a memfd with one bit per 4 KiB page from guest address 0 to the end
/// of the front-end's guest memory, handed over with SET_LOG_BASE; and the check that every guest page the switch
/// changed between two snapshots is marked in it.
/// </summary>
internal sealed class DirtyLogRig : IDisposable
{
    private readonly FakeFrontend _guest;

    public DirtyLogRig(FakeFrontend guest, int extraBytes = 0)
    {
        _guest = guest;
        FakeFrontendRegion top = guest.Regions.MaxBy(r => r.GuestBase + r.Size)!;
        Bytes = (int)((((top.GuestBase + top.Size) / 4096) + 7) / 8) + extraBytes;
        Memory = new Memfd(Bytes);
    }

    /// <summary>The log's size in bytes (exactly what the guest memory needs, plus what was asked).</summary>
    public int Bytes { get; }

    public Memfd Memory { get; }

    /// <summary>SET_LOG_BASE with this log; the reply must be 0.</summary>
    public void Hand()
    {
        FakeFrontendReply reply = _guest.SetLogBase(Memory.Fd, (ulong)Bytes, 0);
        Assert.Equal(0UL, reply.U64);
    }

    public bool IsDirty(ulong gpa) => (Memory.Span(0, Bytes)[(int)(gpa / 4096 / 8)] & (1 << (int)(gpa / 4096 % 8))) != 0;

    public long MarkedPages()
    {
        long n = 0;
        foreach (byte b in Memory.Span(0, Bytes))
        {
            n += BitOperations.PopCount(b);
        }
        return n;
    }

    public void Clear() => Memory.Span(0, Bytes).Clear();

    /// <summary>A copy of every guest memory region, to compare with later.</summary>
    public byte[][] Snapshot() => [.. _guest.Regions.Select(r => r.Memory.Span(0, (int)r.Size).ToArray())];

    /// <summary>
    /// Asserts that every 4 KiB page that differs from <paramref name="before"/> is marked in the log; returns how many
    /// pages differed (callers check that the switch wrote something, so the check is not vacuous).
    /// </summary>
    public int AssertChangedPagesMarked(byte[][] before)
    {
        int changed = 0;
        for (int r = 0; r < before.Length; r++)
        {
            FakeFrontendRegion region = _guest.Regions[r];
            Span<byte> now = region.Memory.Span(0, (int)region.Size);
            for (int offset = 0; offset < before[r].Length; offset += 4096)
            {
                int length = Math.Min(4096, before[r].Length - offset);
                if (!now.Slice(offset, length).SequenceEqual(before[r].AsSpan(offset, length)))
                {
                    changed++;
                    ulong gpa = region.GuestBase + (ulong)offset;
                    Assert.True(IsDirty(gpa), $"guest page 0x{gpa:x} was written but not marked in the dirty log");
                }
            }
        }
        return changed;
    }

    public void Dispose() => Memory.Dispose();
}
