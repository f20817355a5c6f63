using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Datapath.Learning;
using VSwitch.Datapath.Pipeline;
using VSwitch.Datapath.Ports;
using VSwitch.Flows.Rules;
using VSwitch.Ports.Dummy;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Datapath.Tests.Pipeline;

public sealed class MultiThreadTests
{
    [Fact]
    public void Two_datapath_threads_share_the_MAC_table_and_lose_nothing()
    {
        var clock = new ManualClock { NowMilliseconds = 1 };
        var mac = new MacLearningTable(clock);
        var ports = new DummyPort[4];
        for (int i = 0; i < ports.Length; i++)
        {
            ports[i] = new DummyPort(new PortId((ushort)(i + 1)), $"p{i + 1}", txQueues: 2, poolSize: 128) { RecordSent = false };
            ports[i].LoadGenerator([Frames.Udp(i + 1, ((i + 1) % 4) + 1)]);
        }
        var config = new DatapathConfig([.. ports.Select(p => new DatapathPort(p))], new FlowTables(clock).Build(), mac);
        var datapath = new SwitchDatapath(config, clock);
        PmdContext a = datapath.CreatePmd(0, new PacketPool(256, 2048), 1024);
        PmdContext b = datapath.CreatePmd(1, new PacketPool(256, 2048), 1024);

        // One round on one thread first, so every host is learnt before the threads race: ports 1-3 flood one batch
        // each (to 3 ports: 2 extra copies per packet), port 4's destination is known by then.
        foreach (DummyPort p in ports)
        {
            a.PollOnce(p, 0);
        }

        void Run(PmdContext pmd, DummyPort first, DummyPort second)
        {
            for (int k = 0; k < 20_000; k++)
            {
                pmd.PollOnce((k & 1) == 0 ? first : second, 0);
            }
        }
        var ta = new Thread(() => Run(a, ports[0], ports[1]));
        var tb = new Thread(() => Run(b, ports[2], ports[3]));
        ta.Start();
        tb.Start();
        ta.Join();
        tb.Join();

        Assert.Equal(0, a.Stats.Drops.Total + b.Stats.Drops.Total);
        Assert.Equal(4, mac.Count);
        for (int i = 0; i < 4; i++)
        {
            Assert.True(mac.TryLookup(0, TestSwitch.MacOf(i + 1), out PortId port));
            Assert.Equal(i + 1, port.Value);
            Assert.Equal(ports[i].RxPool(0).Count, ports[i].RxPool(0).Available);
        }
        long rx = ports.Sum(p => p.Stats.RxPackets);
        long tx = ports.Sum(p => p.Stats.TxPackets);
        Assert.Equal(a.Stats.TxPackets + b.Stats.TxPackets, tx);
        Assert.Equal(3 * PacketBatch.Capacity * 2, tx - rx);
        // Host 2 (port 2, thread 0) talks to port 3; host 4 (port 4, thread 1) talks to port 1: tx queue = thread index.
        Assert.True(ports[2].Stats.Tx[0].Packets > 10_000);
        Assert.True(ports[0].Stats.Tx[1].Packets > 10_000);
    }
}
