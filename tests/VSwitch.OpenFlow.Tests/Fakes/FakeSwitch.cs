using VSwitch.OpenFlow.Actions;
using VSwitch.OpenFlow.Instructions;
using VSwitch.OpenFlow.Match;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Tests.Fakes;

/// <summary>
/// An in-memory switch behind the protocol layer: flows are kept as FLOW_MOD adds (delete and modify act on them
/// by table, cookie mask and match equality), groups as GROUP_MOD adds, packet-outs are recorded. Enough to show
/// that what ovs-ofctl or a controller sends arrives decoded, and that what the switch answers is printed.
/// </summary>
public sealed class FakeSwitch : IOpenFlowSwitch
{
    private readonly object _lock = new();
    private readonly List<FlowStats> _flows = [];
    private readonly Dictionary<uint, GroupDesc> _groups = [];

    public List<OfpMessage> Received { get; } = [];

    public List<PacketOut> PacketOuts { get; } = [];

    public List<(uint InPort, byte[] Data)> PacketOutData { get; } = [];

    public int Barriers { get; private set; }

    public TimeSpan FlowModDelay { get; set; }

    public SwitchFeatures Features { get; } = new(0x0000_0200_0000_0001, 0, 4, 0,
        SwitchCapabilities.FlowStats | SwitchCapabilities.TableStats | SwitchCapabilities.PortStats | SwitchCapabilities.GroupStats);

    public SwitchDescription Description { get; } = new("VSwitch", "fake", "test 1.0", "0001", "fake bridge br0");

    public SwitchConfig Config { get; private set; } = new(ConfigFlags.FragNormal, 128);

    public List<OfpPort> Ports { get; } =
    [
        new(1, 0x0200_0000_0001, "vm1", PortConfig.None, PortState.Live, PortFeatures.Rate10GbFd | PortFeatures.Copper, 0, 0, 0, 10_000_000, 10_000_000),
        new(2, 0x0200_0000_0002, "vm2", PortConfig.None, PortState.LinkDown, PortFeatures.Rate10GbFd, 0, 0, 0, 10_000_000, 10_000_000),
    ];

    public IReadOnlyList<FlowStats> Flows
    {
        get
        {
            lock (_lock)
            {
                return [.. _flows];
            }
        }
    }

    public void AddFlowStats(FlowStats f)
    {
        lock (_lock)
        {
            _flows.Add(f);
        }
    }

    public ValueTask<OfpError?> SetConfigAsync(SetConfig request)
    {
        Record(request);
        Config = request.Config;
        return ValueTask.FromResult<OfpError?>(null);
    }

    public async ValueTask<OfpError?> FlowModAsync(FlowMod r)
    {
        Record(r);
        if (FlowModDelay > TimeSpan.Zero)
        {
            await Task.Delay(FlowModDelay);
        }
        if (r.TableId != OfpTableId.All && r.TableId >= Features.TableCount)
        {
            return OfpError.Of(FlowModFailedCode.BadTableId);
        }
        lock (_lock)
        {
            switch (r.Command)
            {
                case FlowModCommand.Add:
                    _flows.RemoveAll(f => f.TableId == r.TableId && f.Priority == r.Priority && f.Match.Equals(r.Match));
                    _flows.Add(new FlowStats(r.TableId, 0, 0, r.Priority, r.IdleTimeout, r.HardTimeout, r.Flags, r.Cookie, 0, 0, r.Match, r.Instructions));
                    break;
                case FlowModCommand.Delete or FlowModCommand.DeleteStrict:
                    _flows.RemoveAll(f => Selects(r, f));
                    break;
                default:
                    for (int i = 0; i < _flows.Count; i++)
                    {
                        if (Selects(r, _flows[i]))
                        {
                            _flows[i] = _flows[i] with { Instructions = r.Instructions };
                        }
                    }
                    break;
            }
        }
        return null;
    }

    private static bool Selects(FlowMod r, FlowStats f)
    {
        bool strict = r.Command is FlowModCommand.DeleteStrict or FlowModCommand.ModifyStrict;
        return (r.TableId == OfpTableId.All || r.TableId == f.TableId)
            && (f.Cookie & r.CookieMask) == (r.Cookie & r.CookieMask)
            && (strict ? f.Priority == r.Priority && f.Match.Equals(r.Match) : r.Match.Entries.All(e => f.Match.TryGet(e.Field, out var x) && x == e));
    }

    public ValueTask<OfpError?> GroupModAsync(GroupMod r)
    {
        Record(r);
        lock (_lock)
        {
            switch (r.Command)
            {
                case GroupModCommand.Add when _groups.ContainsKey(r.GroupId):
                    return ValueTask.FromResult<OfpError?>(OfpError.Of(GroupModFailedCode.GroupExists));
                case GroupModCommand.Add or GroupModCommand.Modify:
                    _groups[r.GroupId] = new GroupDesc(r.GroupType, r.GroupId, r.Buckets);
                    break;
                default:
                    if (r.GroupId == OfpGroupId.All)
                    {
                        _groups.Clear();
                    }
                    else
                    {
                        _groups.Remove(r.GroupId);
                    }
                    break;
            }
        }
        return ValueTask.FromResult<OfpError?>(null);
    }

    public ValueTask<OfpError?> PortModAsync(PortMod request)
    {
        Record(request);
        return ValueTask.FromResult<OfpError?>(Ports.Any(p => p.PortNo == request.PortNo) ? null : OfpError.Of(PortModFailedCode.BadPort));
    }

    public ValueTask<OfpError?> TableModAsync(TableMod request)
    {
        Record(request);
        return ValueTask.FromResult<OfpError?>(null);
    }

    public ValueTask<OfpError?> PacketOutAsync(PacketOut request)
    {
        Record(request);
        lock (_lock)
        {
            PacketOuts.Add(request);
            PacketOutData.Add((request.InPort, request.Data.ToArray()));
        }
        return ValueTask.FromResult<OfpError?>(null);
    }

    public ValueTask BarrierAsync()
    {
        lock (_lock)
        {
            Barriers++;
        }
        return ValueTask.CompletedTask;
    }

    public OfpResult<IReadOnlyList<FlowStats>> GetFlowStats(FlowStatsRequest request) =>
        request.TableId != OfpTableId.All && request.TableId >= Features.TableCount
            ? OfpResult<IReadOnlyList<FlowStats>>.Fail(OfpError.Of(BadRequestCode.BadTableId))
            : OfpResult<IReadOnlyList<FlowStats>>.Ok(Flows.Where(f => request.TableId == OfpTableId.All || f.TableId == request.TableId).ToList());

    public OfpResult<AggregateStats> GetAggregateStats(FlowStatsRequest request)
    {
        IReadOnlyList<FlowStats> flows = GetFlowStats(request).Value ?? [];
        return new AggregateStats((ulong)flows.Sum(f => (long)f.PacketCount), (ulong)flows.Sum(f => (long)f.ByteCount), (uint)flows.Count);
    }

    public IReadOnlyList<TableStats> GetTableStats() =>
        Enumerable.Range(0, Features.TableCount).Select(t => new TableStats((byte)t, (uint)Flows.Count(f => f.TableId == t), 100, 40)).ToList();

    public IReadOnlyList<TableFeatures> GetTableFeatures() =>
        Enumerable.Range(0, Features.TableCount).Select(t => new TableFeatures((byte)t, $"table{t}", ulong.MaxValue, ulong.MaxValue, 0, 1_000_000)
        {
            Instructions = [OfpInstructionType.GotoTable, OfpInstructionType.WriteMetadata, OfpInstructionType.WriteActions,
                OfpInstructionType.ApplyActions, OfpInstructionType.ClearActions],
            NextTables = Enumerable.Range(t + 1, Features.TableCount - t - 1).Select(x => (byte)x).ToArray(),
            WriteActions = [OfpActionType.Output, OfpActionType.Group, OfpActionType.PushVlan, OfpActionType.PopVlan, OfpActionType.SetField],
            ApplyActions = [OfpActionType.Output, OfpActionType.Group, OfpActionType.PushVlan, OfpActionType.PopVlan, OfpActionType.SetField, OfpActionType.DecNwTtl],
            Match = Enumerable.Range(0, 34).Select(f => new OxmFieldSupport((OxmField)f, OxmFieldInfo.IsMaskable((OxmField)f))).ToList(),
            Wildcards = Enumerable.Range(0, 34).Select(f => (OxmField)f).ToList(),
            WriteSetfield = [OxmField.EthSrc, OxmField.EthDst, OxmField.VlanVid],
            ApplySetfield = [OxmField.EthSrc, OxmField.EthDst, OxmField.VlanVid, OxmField.Ipv4Src],
        }).ToList();

    public OfpResult<IReadOnlyList<PortStats>> GetPortStats(uint portNo)
    {
        if (portNo != OfpPortNo.Any && !Ports.Any(p => p.PortNo == portNo))
        {
            return OfpResult<IReadOnlyList<PortStats>>.Fail(OfpError.Of(BadRequestCode.BadPort));
        }
        return OfpResult<IReadOnlyList<PortStats>>.Ok(Ports.Where(p => portNo == OfpPortNo.Any || p.PortNo == portNo)
            .Select(p => new PortStats(p.PortNo, 10 * p.PortNo, 20 * p.PortNo, 1000 * p.PortNo, 2000 * p.PortNo, 1, 2, 0, 0,
                ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, 42, 500)).ToList());
    }

    public IReadOnlyList<OfpPort> GetPorts() => Ports;

    public OfpResult<IReadOnlyList<QueueStats>> GetQueueStats(uint portNo, uint queueId) =>
        portNo != OfpPortNo.Any && !Ports.Any(p => p.PortNo == portNo)
            ? OfpResult<IReadOnlyList<QueueStats>>.Fail(OfpError.Of(QueueOpFailedCode.BadPort))
            : OfpResult<IReadOnlyList<QueueStats>>.Ok([]);

    public IReadOnlyList<GroupStats> GetGroupStats(uint groupId)
    {
        lock (_lock)
        {
            return _groups.Values.Where(g => groupId == OfpGroupId.All || g.GroupId == groupId)
                .Select(g => new GroupStats(g.GroupId, 0, 7, 700, 3, 0, g.Buckets.Select(_ => new BucketCounter(7, 700)).ToList())).ToList();
        }
    }

    public IReadOnlyList<GroupDesc> GetGroupDescriptions()
    {
        lock (_lock)
        {
            return [.. _groups.Values.OrderBy(g => g.GroupId)];
        }
    }

    public GroupFeatures GroupFeatures { get; } = new(0b101, 0, [1024, 0, 1024, 0],
        [(1u << 0) | (1u << 17) | (1u << 18) | (1u << 25), 0, (1u << 0) | (1u << 25), 0]);

    private void Record(OfpMessage m)
    {
        lock (_lock)
        {
            Received.Add(m);
        }
    }

    public T[] ReceivedOf<T>() where T : OfpMessage
    {
        lock (_lock)
        {
            return Received.OfType<T>().ToArray();
        }
    }
}
