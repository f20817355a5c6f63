using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.VhostUser.Tests.Support;
using R = VSwitch.TestKit.Virtio.FakeFrontendRequest;

namespace VSwitch.VhostUser.Tests.Port;

/// <summary>
/// What the port shows and logs during a migration, step by step in QEMU's order (log, LOG_ALL, traffic, ring bases
/// handed over), and the dirty-log requests it refuses: a log too small for the guest memory, a log fd that cannot be
/// mapped. Each refusal ends only that session.
/// </summary>
public sealed class MigrationStatusTests
{
    [Fact]
    public void Status_and_log_follow_a_migration_source_step_by_step()
    {
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        VhostUserPortStatus before = rig.Port.GetStatus();
        Assert.False(before.DirtyLogging);
        Assert.Equal(0UL, before.DirtyLogBytes);
        Assert.Equal(0, before.DirtyPagesMarked);
        Assert.All(before.Rings, r => Assert.Equal(0L, r.LastSetBase));
        Assert.All(before.Rings, r => Assert.Null(r.LastGetBase));

        // QEMU's order when a migration starts: the log, then LOG_ALL in SET_FEATURES.
        using var log = new DirtyLogRig(guest);
        log.Hand();
        Assert.False(rig.Port.GetStatus().DirtyLogging);
        Assert.Equal((ulong)log.Bytes, rig.Port.GetStatus().DirtyLogBytes);
        Assert.True(rig.Log.Contains($"dirty log set ({log.Bytes} bytes, covers guest memory up to 0x"));
        guest.SetFeatures(guest.AckedFeatures | R.FeatureLogAll);
        _ = guest.GetFeatures();
        Assert.True(rig.Port.GetStatus().DirtyLogging);
        Assert.True(rig.Log.Contains($"dirty logging on (LOG_ALL acked, log of {log.Bytes} bytes)"));

        guest.Ring(0).PostReceiveBuffers(8);
        rig.Send(0, Enumerable.Range(0, 4).Select(i => PortRig.Frame(i, 1000)));
        Assert.Equal(4, guest.Ring(0).ReceiveFrames(mergeable: true).Count);
        long marked = rig.Port.GetStatus().DirtyPagesMarked;
        Assert.InRange(marked, 2, 1000);
        Assert.Equal(log.MarkedPages(), marked);

        // The guest stops on the source: GET_VRING_BASE for each ring.
        uint rxBase = guest.GetVringBase(0);
        uint txBase = guest.GetVringBase(1);
        Assert.Equal(4u, rxBase);
        Assert.Equal(0u, txBase);
        VhostUserPortStatus after = rig.Port.GetStatus();
        Assert.Equal(4L, after.Rings.Single(r => r.Index == 0).LastGetBase);
        Assert.Equal(0L, after.Rings.Single(r => r.Index == 1).LastGetBase);
        Assert.True(rig.Log.Contains("ring 0: GET_VRING_BASE hands over base 4"));
        Assert.True(rig.Log.Contains("ring 1: GET_VRING_BASE hands over base 0"));

        // The ring bases and the page count stay readable once the source's front-end is gone.
        guest.Disconnect();
        rig.WaitForState(PortState.Waiting);
        VhostUserPortStatus gone = rig.Port.GetStatus();
        Assert.Equal(4L, gone.Rings.Single(r => r.Index == 0).LastGetBase);
        Assert.Equal(marked, gone.DirtyPagesMarked);
        Assert.False(gone.DirtyLogging);
    }

    [Fact]
    public void The_bases_a_destination_resumes_from_are_shown()
    {
        using var rig = new PortRig();
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu(vringBases: [17, 23]);
        rig.WaitForState(PortState.Up);
        VhostUserPortStatus status = rig.Port.GetStatus();
        Assert.Equal(17L, status.Rings.Single(r => r.Index == 0).LastSetBase);
        Assert.Equal(23L, status.Rings.Single(r => r.Index == 1).LastSetBase);
        Assert.All(status.Rings, r => Assert.Null(r.LastGetBase));
    }

    [Fact]
    public void A_log_too_small_for_the_guest_memory_ends_only_that_session()
    {
        using var rig = new PortRig();
        using var other = new PortRig(name: "vm2");
        using var bystander = other.Connect();
        bystander.NegotiateLikeQemu();
        other.WaitForState(PortState.Up);
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu(features: FakeFrontend.LinuxGuestFeatures | R.FeatureLogAll);
        rig.WaitForState(PortState.Up);
        using var log = new DirtyLogRig(guest, extraBytes: -1);

        guest.Send(R.SetLogBase, LogPayload((ulong)log.Bytes), [log.Memory.Fd]);

        Assert.True(guest.WaitForClose(PortRig.Timeout), "the session must end");
        PortRig.WaitFor(() => rig.Port.GetStatus().LastError is not null, "last error");
        string error = rig.Port.GetStatus().LastError!;
        FakeFrontendRegion ram = guest.Regions[0];
        Assert.Equal($"SetLogBase: InvalidParameter: dirty log of {log.Bytes} bytes covers guest memory up to 0x{(ulong)log.Bytes * 8 * 4096:x}, "
            + $"but guest memory ends at 0x{ram.GuestBase + ram.Size:x}", error);
        AssertStillForwards(other, bystander);
    }

    [Fact]
    public void A_log_fd_that_cannot_be_mapped_ends_only_that_session()
    {
        using var rig = new PortRig();
        using var other = new PortRig(name: "vm2");
        using var bystander = other.Connect();
        bystander.NegotiateLikeQemu();
        other.WaitForState(PortState.Up);
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu(features: FakeFrontend.LinuxGuestFeatures | R.FeatureLogAll);
        rig.WaitForState(PortState.Up);
        int read = FakeFrontendFds.Pipe(out int write);
        try
        {
            guest.Send(R.SetLogBase, LogPayload(1 << 16), [read]);
            Assert.True(guest.WaitForClose(PortRig.Timeout), "the session must end");
        }
        finally
        {
            FakeFrontendFds.Close(read);
            FakeFrontendFds.Close(write);
        }
        PortRig.WaitFor(() => rig.Port.GetStatus().LastError is not null, "last error");
        Assert.StartsWith("SetLogBase: MapFailed: dirty log: ", rig.Port.GetStatus().LastError, StringComparison.Ordinal);
        Assert.False(rig.Port.GetStatus().DirtyLogging);
        AssertStillForwards(other, bystander);
    }

    private static byte[] LogPayload(ulong size)
    {
        byte[] payload = new byte[16];
        BitConverter.TryWriteBytes(payload, size);
        return payload;
    }

    private static void AssertStillForwards(PortRig rig, FakeFrontend guest)
    {
        Assert.Equal(PortState.Up, rig.Port.State);
        byte[] frame = PortRig.Frame(9);
        guest.Ring(1).Transmit(frame);
        Assert.Equal(frame, rig.Receive(0, 1)[0]);
    }
}
