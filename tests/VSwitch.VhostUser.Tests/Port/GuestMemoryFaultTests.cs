using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit;
using VSwitch.TestKit.Virtio;
using VSwitch.VhostUser.Tests.Support;
using R = VSwitch.TestKit.Virtio.FakeFrontendRequest;

namespace VSwitch.VhostUser.Tests.Port;

/// <summary>
/// A front-end that shrinks a file the switch has mapped (guest RAM of SET_MEM_TABLE or ADD_MEM_REG, the dirty log)
/// and then makes the switch touch the lost pages: without the guest memory guard the access raises SIGBUS and the
/// runtime ends the process (this test process included). With it, the process lives on, the guilty port goes to
/// Error with the region and the reason, its session ends, another port keeps forwarding, and a new front-end on the
/// same port works. The test thread stands in for the datapath thread, so the faults happen in managed code on it, as
/// they would on a datapath thread. Backings: memfd, a tmpfs file and a hugetlbfs file (neither can be sealed).
/// </summary>
public sealed partial class GuestMemoryFaultTests(ITestOutputHelper output)
{
    private const long DataRegionSize = 2 << 20;

    [Theory]
    [InlineData("memfd", true)]
    [InlineData("memfd", false)]
    [InlineData("tmpfs", true)]
    [InlineData("hugetlbfs", false)]
    public void Truncated_frame_buffers_fail_only_their_port_and_a_fresh_front_end_works(string backing, bool zeroCopy)
    {
        using var victim = new PortRig(name: "victim", zeroCopy: zeroCopy);
        using var bystander = new PortRig(name: "bystander");
        using FakeFrontend neighbour = bystander.Connect();
        neighbour.NegotiateLikeQemu();
        bystander.WaitForState(PortState.Up);

        using (FakeFrontend guest = victim.Connect())
        {
            guest.AddRegion();
            FakeFrontendRegion data = guest.AddRegion(NewBacking(backing));
            guest.NegotiateLikeDpdk();
            victim.WaitForState(PortState.Up);
            Stage(guest, data.GuestBase, PortRig.Frame(1));
            Publish(guest, data.GuestBase, PortRig.Frame(1).Length);
            Assert.Equal(PortRig.Frame(1), Assert.Single(victim.Receive(0, 1)));

            // The attack: a frame written, the file cut to nothing, then the frame offered to the switch.
            ulong at = data.GuestBase + 4096;
            Stage(guest, at, PortRig.Frame(2));
            Assert.True(data.Memory.Truncate(0));
            Publish(guest, at, PortRig.Frame(2).Length);
            PollUntilFailed(victim);
            Assert.True(guest.WaitForClose(PortRig.Timeout), "the session must end");
        }
        string? reason = victim.Port.GetStatus().LastError;
        output.WriteLine(reason ?? "(none)");
        Assert.Matches(new Regex(@"^guest memory region 1 \(guest address 0x[0-9a-f]+, 2097152 bytes, [a-z ]+, not sealed\) shrank under the mapping \(file truncated by the front-end\)$"), reason);
        Assert.Contains(BackingName(backing), reason, StringComparison.Ordinal);
        Assert.Contains(victim.Events, e => e.Kind == VhostUserPortEventKind.Failed);
        Assert.Contains(victim.Log.Lines, l => l.Text.Contains(reason!, StringComparison.Ordinal));

        // The other port never noticed.
        neighbour.Ring(1).Transmit(PortRig.Frame(3));
        Assert.Equal(PortRig.Frame(3), Assert.Single(bystander.Receive(0, 1)));

        // A new front-end on the guilty port starts from scratch.
        using FakeFrontend fresh = victim.Connect();
        fresh.NegotiateLikeQemu();
        victim.WaitForState(PortState.Up);
        fresh.Ring(1).Transmit(PortRig.Frame(4));
        Assert.Equal(PortRig.Frame(4), Assert.Single(victim.Receive(0, 1)));
        Assert.Equal(1, victim.Port.GetStatus().MemoryRegions);
    }

    [Fact]
    public void Truncated_ring_memory_fails_the_port()
    {
        using var victim = new PortRig();
        using (FakeFrontend guest = victim.Connect())
        {
            guest.NegotiateLikeQemu();
            victim.WaitForState(PortState.Up);
            Assert.True(guest.Regions[0].Memory.Truncate(0));
            PollUntilFailed(victim);
            Assert.True(guest.WaitForClose(PortRig.Timeout));
        }
        Assert.StartsWith("guest memory region 0 ", victim.Port.GetStatus().LastError, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_receive_buffers_fail_the_port_on_the_send_path()
    {
        using var victim = new PortRig();
        using (FakeFrontend guest = victim.Connect())
        {
            guest.AddRegion();
            FakeFrontendRegion data = guest.AddRegion(DataRegionSize);
            guest.NegotiateLikeDpdk();
            victim.WaitForState(PortState.Up);
            DriverSideQueue rx = guest.Ring(0).Driver;
            for (int i = 0; i < 4; i++)
            {
                rx.AddChain(DriverBuffer.Writable(data.GuestBase + ((ulong)i * 4096), 2048));
            }
            rx.PublishAvail();
            Assert.True(data.Memory.Truncate(0));
            var clock = Stopwatch.StartNew();
            while (victim.Port.State != PortState.Error)
            {
                Assert.True(clock.Elapsed < PortRig.Timeout, "the port did not fail");
                victim.Send(0, [PortRig.Frame(5)]);
                Thread.Sleep(1);
            }
            Assert.True(guest.WaitForClose(PortRig.Timeout));
        }
        Assert.StartsWith("guest memory region 1 ", victim.Port.GetStatus().LastError, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shrunk_dirty_log_fails_the_port()
    {
        using var victim = new PortRig();
        using var log = new Memfd(1 << 20);
        using (FakeFrontend guest = victim.Connect())
        {
            guest.NegotiateLikeQemu(features: FakeFrontend.LinuxGuestFeatures | R.FeatureLogAll);
            victim.WaitForState(PortState.Up);
            FakeFrontendRegion ram = guest.Regions[0];
            ulong bytes = ((ram.GuestBase + ram.Size) / 4096 + 7) / 8;
            Assert.Equal(0UL, guest.SetLogBase(log.Fd, bytes, 0).U64);
            guest.Ring(0).PostReceiveBuffers(64);
            victim.Send(0, [PortRig.Frame(1)]);
            Assert.Single(guest.Ring(0).ReceiveFrames(mergeable: true));
            Assert.True(log.Truncate(0));
            var clock = Stopwatch.StartNew();
            while (victim.Port.State != PortState.Error)
            {
                Assert.True(clock.Elapsed < PortRig.Timeout, "the port did not fail");
                victim.Send(0, [PortRig.Frame(2)]);
                Thread.Sleep(1);
            }
            Assert.True(guest.WaitForClose(PortRig.Timeout));
        }
        string? reason = victim.Port.GetStatus().LastError;
        output.WriteLine(reason ?? "(none)");
        Assert.Matches(new Regex(@"^the dirty log \(\d+ bytes, memfd, not sealed\) shrank under the mapping \(file truncated by the front-end\)$"), reason);
    }

    [Fact]
    public void Status_shows_what_backs_each_region_and_whether_it_is_sealed()
    {
        using var rig = new PortRig();
        using FakeFrontend guest = rig.Connect();
        FakeFrontendRegion sealedMemfd = guest.AddRegion(new Memfd(32 << 20, sealLikeQemu: true));
        guest.AddRegion(new Memfd(DataRegionSize));
        guest.AddRegion(Memfd.OnFileSystem("/dev/shm", DataRegionSize));
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        var regions = rig.Port.GetStatus().Regions;
        Assert.Equal(new[] { "memfd", "memfd", "tmpfs file" }, regions.Select(r => r.Backing));
        Assert.Equal(new[] { true, false, false }, regions.Select(r => r.ShrinkSealed));
        Assert.Equal(sealedMemfd.GuestBase, regions[0].GuestAddress);
        // What the seal means: QEMU's default memory cannot be shrunk under the switch at all.
        Assert.False(sealedMemfd.Memory.Truncate(0));
    }

    private static Memfd NewBacking(string backing)
    {
        switch (backing)
        {
            case "memfd":
                return new Memfd(DataRegionSize);
            case "tmpfs":
                return Memfd.OnFileSystem("/dev/shm", DataRegionSize);
            default:
                Prerequisite.Require(HugetlbfsReady(), "no free 2 MiB hugepage or no hugetlbfs at /dev/hugepages (scripts/setup.sh sets them up)");
                return Memfd.OnFileSystem("/dev/hugepages", DataRegionSize);
        }
    }

    private static string BackingName(string backing) => backing switch
    {
        "memfd" => "memfd",
        "tmpfs" => "tmpfs file",
        _ => "hugetlbfs file",
    };

    private static bool HugetlbfsReady()
    {
        Match free = FreeHugepages().Match(File.ReadAllText("/proc/meminfo"));
        return free.Success && long.Parse(free.Groups[1].Value, CultureInfo.InvariantCulture) >= 1
            && File.ReadAllText("/proc/mounts").Contains(" /dev/hugepages hugetlbfs ", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"HugePages_Free:\s+(\d+)")]
    private static partial Regex FreeHugepages();

    /// <summary>Writes a zero virtio-net header (12 bytes) and <paramref name="frame"/> at <paramref name="gpa"/>.</summary>
    private static void Stage(FakeFrontend guest, ulong gpa, byte[] frame)
    {
        Span<byte> bytes = guest.GuestSpan(gpa, 12 + frame.Length);
        bytes[..12].Clear();
        frame.CopyTo(bytes[12..]);
    }

    /// <summary>Offers the staged frame at <paramref name="gpa"/> on the guest's transmit ring and kicks.</summary>
    private static void Publish(FakeFrontend guest, ulong gpa, int frameLength)
    {
        FakeFrontendRing tx = guest.Ring(1);
        tx.Driver.AddChain(DriverBuffer.Readable(gpa, (uint)(12 + frameLength)));
        tx.Driver.PublishAvail();
        tx.Kick();
    }

    /// <summary>
    /// Polls the port as a datapath thread does (receive, read every frame as the pipeline would, complete) until the
    /// port is in error. Frames read after the fault are zeros; nothing else may happen.
    /// </summary>
    private static void PollUntilFailed(PortRig rig)
    {
        var clock = Stopwatch.StartNew();
        long sum = 0;
        while (rig.Port.State != PortState.Error)
        {
            Assert.True(clock.Elapsed < PortRig.Timeout, $"the port did not fail (state {rig.Port.State})");
            int n = rig.Port.Receive(0, rig.Batch);
            for (int i = 0; i < rig.Batch.Count; i++)
            {
                PacketBuffer p = rig.Batch[i];
                foreach (byte b in p.Span)
                {
                    sum += b;
                }
            }
            rig.Batch.FreeAll();
            if (n > 0)
            {
                rig.Port.CompleteReceive(0);
            }
            Thread.Sleep(1);
        }
        GC.KeepAlive(sum);
    }
}
