using VSwitch.Core.Diagnostics;
using VSwitch.Datapath.Ports;
using Xunit;

namespace VSwitch.Datapath.Tests.Pipeline;

/// <summary>
/// Seeded random frames (any length 0..300, random bytes, often with VLAN TPIDs planted at offset 12) through NORMAL
/// with VLAN ports and through flows that edit headers: the datapath never throws, every packet is either sent or
/// counted as a drop, and no buffer leaks.
/// </summary>
public sealed class HostileFrameTests
{
    [Theory]
    [InlineData(11, "normal")]
    [InlineData(12, "normal")]
    [InlineData(13, "strip_vlan,mod_vlan_pcp:3,output:2,push_vlan:0x88a8,mod_vlan_vid:4095,normal")]
    [InlineData(14, "mod_dl_src:02:00:00:00:00:01,strip_vlan,strip_vlan,all,in_port")]
    public void Random_frames_are_sent_or_counted_as_drops(int seed, string actions)
    {
        var sw = new TestSwitch(4, p => p switch
        {
            1 => PortVlanConfig.Access(7),
            2 => PortVlanConfig.Trunk([0, 7, 100]),
            3 => PortVlanConfig.Native(100, null, untagged: true),
            _ => null,
        });
        sw.AddFlow($"priority=10,actions={actions}");
        var rng = new Random(seed);
        int injected = 0;
        for (int round = 0; round < 300; round++)
        {
            var frames = new byte[1 + rng.Next(40)][];
            for (int i = 0; i < frames.Length; i++)
            {
                byte[] f = new byte[rng.Next(301)];
                rng.NextBytes(f);
                if (f.Length > 14 && rng.Next(2) == 0)
                {
                    f[12] = rng.Next(2) == 0 ? (byte)0x81 : (byte)0x88;
                    f[13] = f[12] == 0x81 ? (byte)0x00 : (byte)0xa8;
                }
                if (f.Length > 6 && rng.Next(3) == 0)
                {
                    f[6] &= 0xfe;
                }
                frames[i] = f;
            }
            sw.Send(1 + rng.Next(4), frames);
            injected += frames.Length;
        }
        Assert.Equal(injected, sw.Pmd.Stats.Packets);
        Assert.True(sw.Pmd.Stats.Drops[DropReason.RxRunt] > 0);
        Assert.True(sw.ReceivedCounts().Sum() > 0);
        sw.AssertNoLeaks();
    }
}
