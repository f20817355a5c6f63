using VSwitch.Control.Model;
using VSwitch.Control.Runtime;
using VSwitch.Core.Ports;
using VSwitch.Flows.Rules;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;

namespace VSwitch.Control.Tests.Fakes;

/// <summary>Records what the control plane asks of the running switch; can be told to refuse a port.</summary>
public sealed class FakeRuntime : ISwitchRuntime
{
    public Dictionary<string, PortConfig> Ports { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, PortStats> Stats { get; } = new(StringComparer.Ordinal);

    public List<FdbEntryInfo> Fdb { get; } = [];

    public FlowTable? PublishedFlows { get; private set; }

    public int PublishCount { get; private set; }

    public string? RefuseNextPort { get; set; }

    public int MacAging { get; private set; }

    public int MacTableSize { get; private set; }

    public PmdMode PmdMode { get; private set; }

    public int PmdStatsClears { get; private set; }

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

    public void ReplaceFlows(FlowTable table)
    {
        PublishedFlows = table;
        PublishCount++;
    }

    public IReadOnlyList<FdbEntryInfo> FdbShow() => Fdb;

    public int FdbFlush(int? ofPort) => Fdb.RemoveAll(e => ofPort is null || e.OfPort == ofPort);

    public void SetMacAging(int seconds) => MacAging = seconds;

    public void SetMacTableSize(int entries) => MacTableSize = entries;

    public void SetPmdMode(PmdMode mode) => PmdMode = mode;

    public PortStatsInfo PortStats(PortConfig port, bool queues) =>
        PortCountersReport.From(port.Name, port.OfPort, Stats[port.Name], 2, queues);

    public PortStatusResult PortStatus(PortConfig port) =>
        new(port.Name, port.Type, port.OfPort, "waiting", "listening", port.Option("socket"), port.Mtu, 0, null, [], null, [], [], null);

    public IReadOnlyList<PmdStatsInfo> PmdStats() => [new PmdStatsInfo(0, null, 10, 2, 5, 1, 2, 3, 4, 5, 6, new() { ["NoRule"] = 1 })];

    public void PmdStatsClear() => PmdStatsClears++;

    public IReadOnlyList<PmdRxqInfo> PmdRxqShow() =>
        [new PmdRxqInfo(0, null, [.. Ports.Values.Select(p => new RxqInfo(p.Name, 0, true, 0))])];
}
