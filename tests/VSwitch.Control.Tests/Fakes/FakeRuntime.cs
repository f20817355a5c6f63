using VSwitch.Control.Model;
using VSwitch.Control.Runtime;
using VSwitch.Core.Ports;
using VSwitch.Flows.Actions;
using VSwitch.Flows.Rules;
using VSwitch.Core.Diagnostics;
using VSwitch.Rpc;

namespace VSwitch.Control.Tests.Fakes;

/// <summary>Records what the control plane asks of the running switch; can be told to refuse a port.</summary>
public sealed class FakeRuntime : ISwitchRuntime
{
    public Dictionary<string, PortConfig> Ports { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, PortStats> Stats { get; } = new(StringComparer.Ordinal);

    public List<LearnedMac> Fdb { get; } = [];

    public long FdbMoves { get; set; }

    public FlowTables? PublishedFlows { get; private set; }

    public int PublishCount { get; private set; }

    public string? RefuseNextPort { get; set; }

    public int MacAging { get; private set; }

    public int MacTableSize { get; private set; }

    public PmdMode PmdMode { get; private set; }

    public int PmdStatsClears { get; private set; }

    /// <summary>What <see cref="AddTableCounts"/> adds: lookups and matches by table id.</summary>
    public Dictionary<int, (long Lookups, long Matches)> TableCounts { get; } = [];

    public void AddTableCounts(Span<long> lookups, Span<long> matches)
    {
        foreach ((int table, (long l, long m)) in TableCounts)
        {
            lookups[table] += l;
            matches[table] += m;
        }
    }

    public void AddPort(PortConfig port)
    {
        if (RefuseNextPort is string reason)
        {
            RefuseNextPort = null;
            throw new ControlException(RpcErrorCodes.InternalError, reason);
        }
        Ports.Add(port.Name, port);
        Stats[port.Name] = new PortStats(2);
    }

    public void RemovePort(PortConfig port)
    {
        Ports.Remove(port.Name);
        Stats.Remove(port.Name);
    }

    public void SetPort(PortConfig previous, PortConfig next) => Ports[next.Name] = next;

    public PortState GetPortState(PortConfig port) => Ports.ContainsKey(port.Name) ? PortState.Waiting : PortState.Error;

    public void ReplaceFlows(FlowTables table)
    {
        PublishedFlows = table;
        PublishCount++;
    }

    public IReadOnlyList<LearnedMac> FdbShow() => Fdb;

    public FdbStats FdbStats() => new(Fdb.Count, MacTableSize, Fdb.Count, FdbMoves, 0, 0, 0);

    public int FdbFlush(int? ofPort) => Fdb.RemoveAll(e => ofPort is null || e.OfPort == ofPort);

    public void SetMacAging(int seconds) => MacAging = seconds;

    public void SetMacTableSize(int entries) => MacTableSize = entries;

    public void SetPmdMode(PmdMode mode) => PmdMode = mode;

    public PortCounters PortStats(PortConfig port) => new(Stats[port.Name], 2);

    public PortStatusReport PortStatus(PortConfig port) => new(PortState.Waiting, "listening", port.Option("socket"), port.Mtu, 0, null);

    public IReadOnlyList<PmdThreadStats> PmdStats()
    {
        var drops = new DropCounters();
        drops.Add(DropReason.NoRule);
        return [new PmdThreadStats(0, null, 10, 2, 1, 2, 3, 4, 5, 6, drops)];
    }

    public void PmdStatsClear() => PmdStatsClears++;

    public IReadOnlyList<VSwitch.OpenFlow.Transport.ControllerTarget> ControllerTargets { get; private set; } = [];

    public FailMode FailMode { get; private set; }

    public int ControllerChanges { get; private set; }

    public void SetControllers(IReadOnlyList<VSwitch.OpenFlow.Transport.ControllerTarget> targets, FailMode failMode)
    {
        ControllerTargets = targets;
        FailMode = failMode;
        ControllerChanges++;
    }

    public ControllerReport Controllers() => new(FailMode == FailMode.Standalone && ControllerTargets.Count > 0,
        [.. ControllerTargets.Select(t => new ControllerLinkStatus(new VSwitch.OpenFlow.Connection.OfpConnectionInfo(t.ToString(),
            VSwitch.OpenFlow.Connection.ConnectionKind.Active, VSwitch.OpenFlow.Connection.ConnectionState.Backoff,
            VSwitch.OpenFlow.Messages.ControllerRole.Equal, 0, 0, 0, 0, 0, "connection refused"), 3))]);

    public List<(byte[] Frame, ushort InPort, FlowAction[] Actions)> PacketOuts { get; } = [];

    public DropReason? PacketOut(ReadOnlySpan<byte> frame, ushort inPort, ReadOnlySpan<FlowAction> actions)
    {
        PacketOuts.Add((frame.ToArray(), inPort, actions.ToArray()));
        return frame.Length < 14 ? DropReason.RxRunt : null;
    }

    public IReadOnlyList<PmdRxQueues> PmdRxqShow() =>
        [new PmdRxQueues(0, null, [.. Ports.Values.Select(p => new PmdRxQueue(p.Name, 0, true, 0))])];
}
