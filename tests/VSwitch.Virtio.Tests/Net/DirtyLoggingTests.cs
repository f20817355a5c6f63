using VSwitch.TestKit.Virtio;
using VSwitch.Virtio.Memory;
using Xunit;

namespace VSwitch.Virtio.Tests.Net;

public sealed unsafe class DirtyLoggingTests
{
    private const int Pages = (int)((VirtqueueRig.RegionBase + (4 << 20)) / DirtyLog.PageSize) + 64;

    private readonly byte[] _bits = GC.AllocateArray<byte>(Pages / 8, pinned: true);
    private readonly DirtyLog _log;

    public DirtyLoggingTests()
    {
        fixed (byte* p = _bits)
        {
            _log = new DirtyLog((nint)p, (ulong)_bits.Length);
        }
    }

    private HashSet<ulong> Marked()
    {
        var set = new HashSet<ulong>();
        for (ulong page = 0; page < (ulong)_bits.Length * 8; page++)
        {
            if ((_bits[page / 8] & (1 << (int)(page % 8))) != 0)
            {
                set.Add(page);
            }
        }
        return set;
    }

    private static IEnumerable<ulong> PagesOf(ulong gpa, ulong length)
    {
        for (ulong p = gpa / DirtyLog.PageSize; p <= (gpa + length - 1) / DirtyLog.PageSize; p++)
        {
            yield return p;
        }
    }

    [Fact]
    public void Send_marks_data_used_elements_and_used_idx_pages_and_nothing_else()
    {
        var n = new NetRig();
        // A buffer that straddles a page boundary, so the data marks two pages.
        ulong buf = n.Driver.Allocate(4096 + 100, alignment: 4096) + 4000;
        n.Driver.AddChain(DriverBuffer.Writable(buf, 2000));
        n.Driver.PublishAvail();
        n.Batch.TryAdd(n.Packet(NetRig.Frame(500, 1)));

        n.Tx.Send(n.Rig.Memory, n.Batch, false, 12, _log, n.Stats);

        var expected = new HashSet<ulong>(PagesOf(buf, 512));
        expected.UnionWith(PagesOf(n.Driver.UsedRing.Value, 4 + 8));
        Assert.Equal(expected, Marked());
        Assert.Equal(2, PagesOf(buf, 512).Count());
    }

    [Fact]
    public void Used_ring_writes_are_logged_under_the_log_address_when_one_is_given()
    {
        var n = new NetRig();
        ulong logAddress = VirtqueueRig.RegionBase + (3 << 20);   // stands in for the frontend's log_guest_addr
        n.Rig.Queue.SetAddresses(n.Driver.DescTable, n.Driver.AvailRing, n.Driver.UsedRing, new GuestAddress(logAddress));
        n.Driver.AddReadable(NetRig.WithHeader(NetRig.Frame(64, 1), 12));
        n.Driver.PublishAvail();

        n.Rx.Receive(n.Rig.Memory, n.Batch, n.Pool, 12, false, n.Stats);
        n.Batch.FreeAll();
        n.Rx.Complete(n.Rig.Memory, _log);

        Assert.Equal(PagesOf(logAddress, 12).ToHashSet(), Marked());
    }

    [Fact]
    public void Receive_complete_logs_only_the_used_ring()
    {
        var n = new NetRig(queueSize: 1024);
        for (int i = 0; i < 32; i++)
        {
            n.Driver.AddReadable(NetRig.WithHeader(NetRig.Frame(64, i), 12));
        }
        n.Driver.PublishAvail();

        n.Rx.Receive(n.Rig.Memory, n.Batch, n.Pool, 12, true, n.Stats);
        n.Batch.FreeAll();
        n.Rx.Complete(n.Rig.Memory, _log);

        Assert.Equal(PagesOf(n.Driver.UsedRing.Value, 4 + (8 * 32)).ToHashSet(), Marked());
    }

    [Fact]
    public void Mergeable_send_marks_every_buffer_written()
    {
        var n = new NetRig();
        var bufs = new List<ulong>();
        for (int i = 0; i < 3; i++)
        {
            ulong b = n.Driver.Allocate(1024, alignment: 4096);
            bufs.Add(b);
            n.Driver.AddChain(DriverBuffer.Writable(b, 1024));
        }
        n.Driver.PublishAvail();
        n.Batch.TryAdd(n.Packet(NetRig.Frame(1500, 1)));

        n.Tx.Send(n.Rig.Memory, n.Batch, true, 12, _log, n.Stats);

        var expected = new HashSet<ulong> { bufs[0] / 4096, bufs[1] / 4096 };
        expected.UnionWith(PagesOf(n.Driver.UsedRing.Value, 4 + 16));
        Assert.Equal(expected, Marked());
    }
}
