using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.VhostUser.Tests.Support;

namespace VSwitch.VhostUser.Tests.Port;

/// <summary>
/// A front-end that sends garbage, and leaks: whatever arrives on one port, that port recovers and every other port
/// keeps carrying traffic; after many sessions the process holds no more fds or mappings than before.
/// Runs alone (<see cref="Sequential"/>) because it counts the whole process's fds and mappings.
/// </summary>
[Collection(nameof(Sequential))]
public sealed class HostileFrontEndTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Garbage_on_one_port_leaves_the_other_running(int seed)
    {
        using var victim = new PortRig(name: "victim");
        using var bystander = new PortRig(name: "bystander");
        using var guest = bystander.Connect();
        guest.NegotiateLikeQemu();
        bystander.WaitForState(PortState.Up);
        var rng = new Random(seed);
        int frame = 0;
        for (int round = 0; round < 25; round++)
        {
            using (FakeFrontend attacker = victim.Connect())
            {
                SendGarbage(attacker, rng);
                attacker.WaitForClose(TimeSpan.FromMilliseconds(50));
            }
            guest.Ring(1).Transmit(PortRig.Frame(frame));
            Assert.Equal(PortRig.Frame(frame), Assert.Single(bystander.Receive(0, 1)));
            frame++;
        }
        victim.WaitForState(PortState.Waiting);
        using var honest = victim.Connect();
        honest.NegotiateLikeQemu();
        victim.WaitForState(PortState.Up);
        honest.Ring(1).Transmit(PortRig.Frame(99));
        Assert.Equal(PortRig.Frame(99), Assert.Single(victim.Receive(0, 1)));
    }

    [Fact]
    public void Twenty_sessions_leave_no_fd_or_mapping_behind()
    {
        using var rig = new PortRig();
        RunSession(rig, 0);
        int fdsBefore = PortRig.OpenFds();
        int mapsBefore = PortRig.MapCount();
        for (int i = 1; i <= 20; i++)
        {
            RunSession(rig, i);
        }
        int fdsAfter = PortRig.OpenFds();
        int mapsAfter = PortRig.MapCount();
        output.WriteLine($"fds {fdsBefore} -> {fdsAfter}, mappings {mapsBefore} -> {mapsAfter}");
        Assert.InRange(fdsAfter, 0, fdsBefore + 2);
        Assert.InRange(mapsAfter, 0, mapsBefore + 4);
        Assert.Equal(21, rig.Port.GetStatus().ConnectCount);
    }

    /// <summary>
    /// One full session with a new guest: negotiation (alternating QEMU's and DPDK's order), traffic both ways, a memory
    /// table replaced while running, a dirty log, an fd-carrying request the port must close, then a disconnect or a
    /// malformed message that ends the session.
    /// </summary>
    private static void RunSession(PortRig rig, int i)
    {
        using FakeFrontend guest = rig.Connect();
        if (i % 2 == 0)
        {
            guest.NegotiateLikeQemu(features: FakeFrontend.LinuxGuestFeatures | FakeFrontendRequest.FeatureLogAll);
            using var log = new Memfd(1 << 20);
            guest.SetLogBase(log.Fd, 1 << 16, 0);
        }
        else
        {
            guest.NegotiateLikeDpdk(mergeable: true);
            guest.SetMemTable();
        }
        rig.WaitForState(PortState.Up);
        guest.Ring(1).Transmit(PortRig.Frame(i));
        Assert.Single(rig.Receive(0, 1));
        guest.Ring(0).PostReceiveBuffers(2);
        rig.Send(0, [PortRig.Frame(i)]);
        Assert.Single(guest.Ring(0).ReceiveFrames(mergeable: true));
        using (var probe = new FakeFrontendFdProbe())
        {
            guest.Send(FakeFrontendRequest.SetBackendReqFd, [], [probe.Fd]);
        }
        if (i % 3 == 0)
        {
            guest.Send(FakeFrontendRequest.SetVringNum, FakeFrontend.VringState(999, 256));
            Assert.True(guest.WaitForClose(PortRig.Timeout));
        }
        guest.Disconnect();
        rig.WaitForState(PortState.Waiting);
    }

    /// <summary>
    /// One of: random bytes; a well-formed header with a random request, flags and payload; a plausible request with
    /// random payload; any of them with fds attached.
    /// </summary>
    private static void SendGarbage(FakeFrontend attacker, Random rng)
    {
        using var probe = new FakeFrontendFdProbe();
        int[] fds = rng.Next(3) == 0 ? [probe.Fd, probe.Fd] : [];
        switch (rng.Next(3))
        {
            case 0:
                byte[] noise = new byte[rng.Next(1, 300)];
                rng.NextBytes(noise);
                attacker.SendRaw(noise, fds);
                break;
            case 1:
                byte[] payload = new byte[rng.Next(0, 64)];
                rng.NextBytes(payload);
                attacker.Send((uint)rng.Next(0, 45), payload, fds, (uint)rng.Next(0, 16));
                break;
            default:
                byte[] body = new byte[rng.Next(0, 3) * 8];
                rng.NextBytes(body);
                attacker.Send((uint)rng.Next(1, 41), body, fds, FakeFrontend.Version1 | FakeFrontend.NeedReplyFlag);
                break;
        }
        try
        {
            attacker.Send(FakeFrontendRequest.GetFeatures);
        }
        catch (IOException)
        {
            // The port already hung up on the garbage: exactly what it should do.
        }
    }
}
