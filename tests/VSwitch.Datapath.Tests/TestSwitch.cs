using VSwitch.Core.Net;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Datapath.Learning;
using VSwitch.Datapath.Pipeline;
using VSwitch.Datapath.Ports;
using VSwitch.Flows.Rules;
using VSwitch.Flows.Syntax;
using VSwitch.Ports.Dummy;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Datapath.Tests;

/// <summary>
/// A switch of Dummy ports numbered 1..N, a flow table (default: priority=0,actions=normal), a MAC table and one
/// datapath thread context, all on a <see cref="ManualClock"/>. Frames go in with <see cref="Send"/> and come out
/// of <see cref="Received"/>.
/// </summary>
internal sealed class TestSwitch
{
    private readonly Dictionary<ushort, DatapathPort> _ports = [];

    public TestSwitch(int ports, Func<int, PortVlanConfig?>? vlan = null, int clonePool = 256, int macEntries = 8192)
    {
        Clock = new ManualClock { NowMilliseconds = 1_000_000 };
        Flows = new FlowTables(Clock);
        Mac = new MacLearningTable(Clock, macEntries);
        for (int i = 1; i <= ports; i++)
        {
            AddPort(new DummyPort(new PortId((ushort)i), $"p{i}", poolSize: 64), vlan?.Invoke(i));
        }
        Datapath = new SwitchDatapath(BuildConfig(), Clock);
        ClonePool = new PacketPool(clonePool, 2048);
        Pmd = Datapath.CreatePmd(0, ClonePool, emcEntries: 1024);
    }

    public ManualClock Clock { get; }

    public FlowTables Flows { get; }

    public MacLearningTable Mac { get; }

    public SwitchDatapath Datapath { get; }

    public PmdContext Pmd { get; }

    public PacketPool ClonePool { get; }

    public DummyPort Port(int id) => (DummyPort)_ports[(ushort)id].Port;

    /// <summary>Puts port <paramref name="id"/> into split-horizon group <paramref name="group"/> (keeping its other settings).</summary>
    public void SetSplitHorizon(int id, int group)
    {
        DatapathPort p = _ports[(ushort)id];
        _ports[(ushort)id] = new DatapathPort(p.Port, p.Vlan, p.NoFlood, p.Capture, group);
        Publish();
    }

    /// <summary>The capture point of port <paramref name="id"/> (the same across snapshots).</summary>
    public VSwitch.Datapath.Capture.CapturePoint CapturePoint(int id) => _ports[(ushort)id].Capture;

    public static MacAddress MacOf(int host) => new(0x02_00_00_00_00_00UL | (uint)host);

    public void AddPort(IPort port, PortVlanConfig? vlan = null, bool noFlood = false, int splitHorizonGroup = 0)
    {
        _ports[port.Id.Value] = new DatapathPort(port, vlan, noFlood, splitHorizonGroup: splitHorizonGroup);
        if (Datapath is not null)
        {
            Publish();
        }
    }

    public void RemovePort(int id)
    {
        _ports.Remove((ushort)id);
        Publish();
        Mac.RemovePort(new PortId((ushort)id));
    }

    public void AddFlow(string text)
    {
        Flows.Add(FlowParser.ParseFlow(text, Clock));
        Publish();
    }

    public void Publish() => Datapath.Publish(BuildConfig());

    /// <summary>Injects <paramref name="frames"/> on port <paramref name="id"/> and polls it until they are all processed.</summary>
    public void Send(int id, params byte[][] frames)
    {
        DummyPort port = Port(id);
        foreach (byte[] f in frames)
        {
            port.Inject(f);
        }
        while (Pmd.PollOnce(port, 0) != 0)
        {
        }
    }

    /// <summary>Frames transmitted on port <paramref name="id"/> since the last call.</summary>
    public List<byte[]> Received(int id) => [.. Port(id).TakeSent().Select(s => s.Frame)];

    /// <summary>Frame counts received by ports 1..N since the last call (drains them).</summary>
    public int[] ReceivedCounts()
    {
        var counts = new int[_ports.Count + 1];
        foreach (var kv in _ports)
        {
            if (kv.Value.Port is DummyPort d)
            {
                counts[kv.Key] = d.TakeSent().Count;
            }
        }
        return counts;
    }

    /// <summary>Every packet buffer is back in its pool.</summary>
    public void AssertNoLeaks()
    {
        Assert.Equal(ClonePool.Count, ClonePool.Available);
        foreach (DatapathPort p in _ports.Values)
        {
            if (p.Port is DummyPort d)
            {
                Assert.Equal(d.RxPool(0).Count, d.RxPool(0).Available);
            }
        }
    }

    private DatapathConfig BuildConfig() =>
        new([.. _ports.Values.OrderBy(p => p.Id.Value)], Flows.Build(), Mac);
}
