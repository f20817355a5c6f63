using System.Diagnostics;
using VSwitch.Core.Ports;
using VSwitch.TestKit;
using VSwitch.VhostUser.Tests.Support;

namespace VSwitch.VhostUser.Tests.Port;

/// <summary>
/// A front-end nobody here wrote: DPDK's net_virtio_user in dpdk-testpmd, forwarding with macswap, in both socket modes.
/// Gated on testpmd, root and hugepages (skipped elsewhere, failed in CI). Runs alone: testpmd takes both CPUs.
/// </summary>
[Collection(nameof(Sequential))]
public sealed class TestPmdSmokeTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(VhostUserMode.Server)]
    [InlineData(VhostUserMode.Client)]
    public void Testpmd_returns_every_frame_MAC_swapped(VhostUserMode mode)
    {
        TestPmd.RequireAvailable();
        using var rig = new PortRig(mode, configure: o => o with { ReconnectInterval = TimeSpan.FromMilliseconds(200) });
        string vdev = $"net_virtio_user0,path={rig.SocketPath},queues=1,mrg_rxbuf=1" + (mode == VhostUserMode.Client ? ",server=1" : "");
        using var pmd = TestPmd.Start([vdev], ["--forward-mode=macswap", "--auto-start"]);
        pmd.WaitForPrompt(TimeSpan.FromSeconds(60));
        rig.WaitForState(PortState.Up);
        PortRig.WaitFor(() => rig.Port.GetStatus().Rings.Count(r => r.Running) == 2, "both rings running", TimeSpan.FromSeconds(30));

        const int Count = 200;
        var sent = Enumerable.Range(0, Count).Select(i => PortRig.Frame(i, 60 + (i * 7))).ToList();
        var back = new List<byte[]>();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Count; i += 16)
        {
            rig.Send(0, sent.Skip(i).Take(16));
            while (back.Count < Math.Min(i + 16, Count) && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                int n = rig.Port.Receive(0, rig.Batch);
                for (int k = 0; k < n; k++)
                {
                    back.Add(rig.Batch[k].Span.ToArray());
                }
                rig.Batch.FreeAll();
                if (n > 0)
                {
                    rig.Port.CompleteReceive(0);
                }
            }
        }
        output.WriteLine($"{mode}: sent {Count}, returned {back.Count}, tx drops {rig.Port.Stats.Tx[0].Drops.Total}");
        Assert.Equal(Count, back.Count);
        for (int i = 0; i < Count; i++)
        {
            byte[] expected = (byte[])sent[i].Clone();
            sent[i].AsSpan(0, 6).CopyTo(expected.AsSpan(6));
            sent[i].AsSpan(6, 6).CopyTo(expected.AsSpan(0));
            Assert.Equal(expected, back[i]);
        }
        Assert.Contains("MrgRxbuf", rig.Port.GetStatus().AckedFeatures);
    }
}
