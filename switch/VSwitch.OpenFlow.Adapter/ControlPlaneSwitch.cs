using System.Reflection;
using Microsoft.Extensions.Logging;
using VSwitch.Control;
using VSwitch.Control.Rpc;
using VSwitch.Core.Diagnostics;
using VSwitch.Flows.Actions;
using VSwitch.Flows.Groups;
using VSwitch.Flows.Rules;
using VSwitch.Flows.Translation;
using VSwitch.OpenFlow.Actions;
using VSwitch.OpenFlow.Instructions;
using VSwitch.OpenFlow.Match;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;
using ModelPort = VSwitch.Control.Model.PortConfig;
using OfGroupType = VSwitch.OpenFlow.Messages.GroupType;
using OfPortConfig = VSwitch.OpenFlow.Messages.PortConfig;
using OfPortState = VSwitch.OpenFlow.Messages.PortState;
using OfPortStats = VSwitch.OpenFlow.Messages.PortStats;
using OfSwitchConfig = VSwitch.OpenFlow.Messages.SwitchConfig;

namespace VSwitch.OpenFlow.Adapter;

/// <summary>
/// The real switch behind the OpenFlow protocol layer: <see cref="IOpenFlowSwitch"/> over the control plane's
/// <see cref="FlowTables"/>, ports and runtime, so a flow added through OpenFlow and one added through the RPC socket
/// (<c>vswitchctl add-flow</c>) are the same kind of entry in the same tables, with the same counters, stored in the
/// config DB the same way. Every call runs inside the RPC dispatcher's gate, serialised with RPC requests and the
/// flow-expiry timer.
/// <para>
/// Publishing: a FLOW_MOD, GROUP_MOD or SET_CONFIG changes the tables at once (what later requests and statistics
/// see) and marks them dirty; the dirty tables are published to the datapath and written to the DB together by
/// <see cref="BarrierAsync"/>, by any RPC change, or at the latest <see cref="PublishDelay"/> after the first change,
/// so a burst of FLOW_MODs costs one pipeline build and one DB write, not one per message. A DB write that fails
/// is logged and the tables fall back to what the DB holds (as for an RPC change).
/// </para>
/// <para>
/// Not supported (refused with the error named): PORT_MOD settings (PORT_MOD_FAILED/BAD_CONFIG), TABLE_MOD config
/// bits (accepted: 1.3 defines none), SELECT and FAST_FAILOVER groups (GROUP_MOD_FAILED/BAD_TYPE), bucket weights and
/// watches (WEIGHT_UNSUPPORTED, WATCH_UNSUPPORTED), chained groups (CHAINING_UNSUPPORTED), fragment reassembly and
/// dropping (SWITCH_CONFIG_FAILED/BAD_FLAGS), queues (QUEUE stats are empty); see <see cref="ActionMapping"/> and
/// <see cref="MatchMapping"/> for actions and matches.
/// </para>
/// Thread-safe: every method takes the gate.
/// </summary>
public sealed class ControlPlaneSwitch : IOpenFlowSwitch
{
    /// <summary>Most flows the tables take through OpenFlow (FLOW_MOD_FAILED/TABLE_FULL beyond); bounds memory under a flood.</summary>
    public const int MaxFlows = 200_000;

    /// <summary>Most groups (GROUP_MOD_FAILED/OUT_OF_GROUPS beyond).</summary>
    public const int MaxGroups = VSwitch.Control.Rpc.Handlers.GroupHandlers.MaxGroups;

    /// <summary>Longest time between a change and its publication when no barrier or RPC change comes first.</summary>
    public static readonly TimeSpan PublishDelay = TimeSpan.FromMilliseconds(20);

    private readonly ControlPlane _control;
    private readonly RpcDispatcher _gate;
    private readonly ILogger _log;
    private readonly Func<uint, bool> _groupExists;
    private bool _dirty;
    private int _publishScheduled;

    /// <summary>
    /// Creates the adapter over <paramref name="control"/>, serialised by <paramref name="gate"/>. Its datapath id is
    /// <paramref name="datapathId"/> when given, else 0x0000 02 followed by 40 bits of a hash of the bridge name.
    /// </summary>
    public ControlPlaneSwitch(ControlPlane control, RpcDispatcher gate, ILogger logger, ulong? datapathId = null)
    {
        ArgumentNullException.ThrowIfNull(control);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(logger);
        _control = control;
        _gate = gate;
        _log = logger;
        _groupExists = id => _control.Flows.FindGroup(id) is not null;
        ulong dpid = datapathId ?? ((0x02UL << 40) | (Fnv1a(control.Config.Bridge) & 0xff_ffff_ffffUL));
        Features = new SwitchFeatures(dpid, 0, (byte)FlowTables.TableCount, 0,
            SwitchCapabilities.FlowStats | SwitchCapabilities.TableStats | SwitchCapabilities.PortStats | SwitchCapabilities.GroupStats);
        string version = typeof(ControlPlaneSwitch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        Description = new SwitchDescription("VSwitch", "VSwitch userspace datapath", $"vswitchd {version}", "None",
            $"bridge {control.Config.Bridge}");
    }

    /// <summary>
    /// Where FLOW_REMOVED goes for flows with SEND_FLOW_REM that leave the tables (an OpenFlow delete here, and what
    /// <see cref="Removed"/> is given); null to send none. The daemon sets it to the <see cref="Connection.OpenFlowHub"/> serving this adapter.
    /// </summary>
    public IOpenFlowEvents? Events { get; set; }

    /// <inheritdoc/>
    public SwitchFeatures Features { get; }

    /// <inheritdoc/>
    public SwitchDescription Description { get; }

    /// <inheritdoc/>
    public OfSwitchConfig Config
    {
        get
        {
            PipelineSettings s = _control.Flows.Settings;
            return new OfSwitchConfig(s.InvalidTtlToController ? ConfigFlags.InvalidTtlToController : ConfigFlags.FragNormal, s.MissSendLen);
        }
    }

    /// <inheritdoc/>
    public GroupFeatures GroupFeatures { get; } = new((1u << (int)OfGroupType.All) | (1u << (int)OfGroupType.Indirect), 0,
        [MaxGroups, 0, MaxGroups, 0], [SupportedActionBits, 0, SupportedActionBits, 0]);

    private const uint SupportedActionBits = (1u << (int)OfpActionType.Output) | (1u << (int)OfpActionType.PushVlan)
        | (1u << (int)OfpActionType.PopVlan) | (1u << (int)OfpActionType.Group) | (1u << (int)OfpActionType.SetNwTtl)
        | (1u << (int)OfpActionType.DecNwTtl) | (1u << (int)OfpActionType.SetField);

    /// <inheritdoc/>
    public async ValueTask<OfpError?> SetConfigAsync(SetConfig request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ConfigFlags frag = request.Config.Flags & (ConfigFlags.FragDrop | ConfigFlags.FragReasm);
        if (frag != ConfigFlags.FragNormal)
        {
            return OfpError.Of(SwitchConfigFailedCode.BadFlags);
        }
        bool toController = (request.Config.Flags & ConfigFlags.InvalidTtlToController) != 0;
        return await RunAsync<OfpError?>(() =>
        {
            // "with": the daemon's fail-open flag lives in the same settings and is not the controller's to change.
            PipelineSettings next = _control.Flows.Settings with { InvalidTtlToController = toController, MissSendLen = request.Config.MissSendLen };
            if (next != _control.Flows.Settings)
            {
                _control.Flows.Settings = next;
                MarkDirty();
            }
            return null;
        }).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<OfpError?> FlowModAsync(FlowMod request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!MatchMapping.TryToFlowMatch(request.Match, out FlowMatch match, out OfpError matchError))
        {
            return matchError;
        }
        return await RunAsync(() => request.Command switch
        {
            FlowModCommand.Add => AddFlow(request, match),
            FlowModCommand.Modify or FlowModCommand.ModifyStrict => ModifyFlows(request, match),
            _ => DeleteFlows(request, match),
        }).ConfigureAwait(false);
    }

    private OfpError? AddFlow(FlowMod r, FlowMatch match)
    {
        if (!ActionMapping.TryToActionList(r.Instructions, r.Match, _groupExists, out ActionList actions, out OfpError error))
        {
            return error;
        }
        if (_control.Flows.Count >= MaxFlows)
        {
            return OfpError.Of(FlowModFailedCode.TableFull);
        }
        var flags = (FlowFlags)((ushort)r.Flags & (ushort)(FlowModFlags.SendFlowRem | FlowModFlags.NoPktCounts | FlowModFlags.NoBytCounts));
        FlowRule rule;
        try
        {
            rule = new FlowRule(match, r.Priority, actions, r.Cookie, r.IdleTimeout, r.HardTimeout, _control.Clock.NowMilliseconds,
                r.TableId, flags);
        }
        catch (ArgumentOutOfRangeException)
        {
            // goto_table not after the flow's own table (OpenFlow 1.3.5 §5.1).
            return OfpError.Of(BadInstructionCode.BadTableId);
        }
        FlowAddResult result = _control.Flows.Add(rule, (r.Flags & FlowModFlags.CheckOverlap) != 0, (r.Flags & FlowModFlags.ResetCounts) != 0);
        if (result == FlowAddResult.Overlap)
        {
            return OfpError.Of(FlowModFailedCode.Overlap);
        }
        MarkDirty();
        return null;
    }

    private OfpError? ModifyFlows(FlowMod r, FlowMatch match)
    {
        if (!ActionMapping.TryToActionList(r.Instructions, r.Match, _groupExists, out ActionList actions, out OfpError error))
        {
            return error;
        }
        // OpenFlow 1.3.5 §6.4: out_port and out_group do not filter a modify; a modify that selects nothing adds nothing.
        var filter = new FlowFilter(r.TableId == OfpTableId.All ? null : r.TableId, match, r.Priority,
            r.Command == FlowModCommand.ModifyStrict, r.Cookie, r.CookieMask);
        try
        {
            if (_control.Flows.Modify(filter, actions, (r.Flags & FlowModFlags.ResetCounts) != 0) > 0)
            {
                MarkDirty();
            }
        }
        catch (ArgumentException)
        {
            return OfpError.Of(BadInstructionCode.BadTableId);
        }
        return null;
    }

    private OfpError? DeleteFlows(FlowMod r, FlowMatch match)
    {
        ushort outPort = OpenFlowPort.None;
        if (r.OutPort != OfpPortNo.Any && !PortMapping.TryToEngine(r.OutPort, out outPort))
        {
            return null; // no flow can output to a port without a 16-bit number
        }
        var filter = new FlowFilter(r.TableId == OfpTableId.All ? null : r.TableId, match, r.Priority,
            r.Command == FlowModCommand.DeleteStrict, r.Cookie, r.CookieMask, outPort, r.OutGroup);
        Deleted(_control.Flows.Delete(filter));
        return null;
    }

    /// <inheritdoc/>
    public async ValueTask<OfpError?> GroupModAsync(GroupMod request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await RunAsync(() => request.Command switch
        {
            GroupModCommand.Add or GroupModCommand.Modify => AddOrModifyGroup(request),
            _ => DeleteGroup(request),
        }).ConfigureAwait(false);
    }

    private OfpError? AddOrModifyGroup(GroupMod r)
    {
        if (r.GroupType is not (OfGroupType.All or OfGroupType.Indirect))
        {
            return OfpError.Of(GroupModFailedCode.BadType);
        }
        if (r.GroupId > FlowGroup.MaxId)
        {
            return OfpError.Of(GroupModFailedCode.InvalidGroup);
        }
        if (r.GroupType == OfGroupType.Indirect && r.Buckets.Count != 1)
        {
            return OfpError.Of(GroupModFailedCode.InvalidGroup);
        }
        bool exists = _control.Flows.FindGroup(r.GroupId) is not null;
        if (r.Command == GroupModCommand.Add && exists)
        {
            return OfpError.Of(GroupModFailedCode.GroupExists);
        }
        if (r.Command == GroupModCommand.Modify && !exists)
        {
            return OfpError.Of(GroupModFailedCode.UnknownGroup);
        }
        if (!exists && _control.Flows.Groups.Count >= MaxGroups)
        {
            return OfpError.Of(GroupModFailedCode.OutOfGroups);
        }
        long now = _control.Clock.NowMilliseconds;
        var buckets = new List<GroupBucket>(r.Buckets.Count);
        foreach (OfpBucket b in r.Buckets)
        {
            if (b.Weight != 0)
            {
                return OfpError.Of(GroupModFailedCode.WeightUnsupported);
            }
            if (b.WatchPort != OfpPortNo.Any || b.WatchGroup != OfpGroupId.Any)
            {
                return OfpError.Of(GroupModFailedCode.WatchUnsupported);
            }
            if (b.Actions.Any(a => a.Type == OfpActionType.Group))
            {
                return OfpError.Of(GroupModFailedCode.ChainingUnsupported);
            }
            if (!ActionMapping.TryToFlowActions(b.Actions, null, _groupExists, allowTable: false, actionSet: true, out FlowAction[] actions, out _))
            {
                return OfpError.Of(GroupModFailedCode.BadBucket);
            }
            buckets.Add(new GroupBucket(new ActionList(actions), now));
        }
        var type = (Flows.Groups.GroupType)(byte)r.GroupType;
        if (exists)
        {
            _control.Flows.ModifyGroup(r.GroupId, type, buckets);
        }
        else
        {
            _control.Flows.AddGroup(new FlowGroup(r.GroupId, type, buckets, now));
        }
        MarkDirty();
        return null;
    }

    private OfpError? DeleteGroup(GroupMod r)
    {
        Deleted(_control.Flows.DeleteGroup(r.GroupId == OfpGroupId.All ? null : r.GroupId));
        return null;
    }

    /// <inheritdoc/>
    public async ValueTask<OfpError?> PortModAsync(PortMod request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await RunAsync<OfpError?>(() =>
        {
            ModelPort? port = request.PortNo <= ModelPort.MaxOfPort ? _control.Config.FindPort((int)request.PortNo) : null;
            if (port is null)
            {
                return OfpError.Of(PortModFailedCode.BadPort);
            }
            if (request.HwAddr != HwAddr(port))
            {
                return OfpError.Of(PortModFailedCode.BadHwAddr);
            }
            if (request.Mask != OfPortConfig.None)
            {
                return OfpError.Of(PortModFailedCode.BadConfig);
            }
            return request.Advertise != PortFeatures.None ? OfpError.Of(PortModFailedCode.BadAdvertise) : null;
        }).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask<OfpError?> TableModAsync(TableMod request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ValueTask.FromResult<OfpError?>(request.TableId != OfpTableId.All && request.TableId > FlowTables.MaxTableId
            ? OfpError.Of(TableModFailedCode.BadTable)
            : null);
    }

    /// <inheritdoc/>
    public async ValueTask<OfpError?> PacketOutAsync(PacketOut request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!PortMapping.TryToEngine(request.InPort, out ushort inPort) || inPort == OpenFlowPort.None)
        {
            return OfpError.Of(BadRequestCode.BadPort);
        }
        return await RunAsync<OfpError?>(() =>
        {
            if (!ActionMapping.TryToFlowActions(request.Actions, null, _groupExists, allowTable: true, actionSet: false, out FlowAction[] actions, out OfpError error))
            {
                return error;
            }
            // Output:TABLE and groups run the published tables: publish pending changes first, as a barrier would.
            Publish();
            DropReason? dropped;
            try
            {
                dropped = _control.Runtime.PacketOut(request.Data.Span, inPort, actions);
            }
            catch (ControlException e)
            {
                _log.LogWarning("packet-out refused: {Reason}", e.Message);
                return OfpError.Of(BadRequestCode.Eperm);
            }
            if (dropped is DropReason reason)
            {
                _log.LogDebug("packet-out of {Bytes} bytes dropped: {Reason}", request.Data.Length, reason);
                return reason is DropReason.RxRunt or DropReason.PacketTooLarge ? OfpError.Of(BadRequestCode.BadPacket) : null;
            }
            return null;
        }).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask BarrierAsync() => await RunAsync(() =>
    {
        Publish();
        return 0;
    }).ConfigureAwait(false);

    /// <inheritdoc/>
    public OfpResult<IReadOnlyList<FlowStats>> GetFlowStats(FlowStatsRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!TryFilter(request, out FlowFilter? filter, out OfpError error))
        {
            return OfpResult<IReadOnlyList<FlowStats>>.Fail(error);
        }
        return _gate.RunExclusive(() =>
        {
            long now = _control.Clock.NowMilliseconds;
            var result = new List<FlowStats>();
            if (filter is null)
            {
                return OfpResult<IReadOnlyList<FlowStats>>.Ok(result);
            }
            foreach (FlowRule r in _control.Flows.Select(filter).OrderBy(r => r.TableId).ThenByDescending(r => r.Priority))
            {
                (uint sec, uint nsec) = Duration(now - r.CreatedMs);
                result.Add(new FlowStats(r.TableId, sec, nsec, (ushort)r.Priority, (ushort)r.IdleTimeout, (ushort)r.HardTimeout,
                    (FlowModFlags)(ushort)r.Flags, r.Cookie, (ulong)r.PacketCount, (ulong)r.ByteCount, MatchMapping.ToOfpMatch(r.Match),
                    ActionMapping.ToInstructions(r.Actions)));
            }
            return OfpResult<IReadOnlyList<FlowStats>>.Ok(result);
        });
    }

    /// <inheritdoc/>
    public OfpResult<AggregateStats> GetAggregateStats(FlowStatsRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!TryFilter(request, out FlowFilter? filter, out OfpError error))
        {
            return OfpResult<AggregateStats>.Fail(error);
        }
        return _gate.RunExclusive(() =>
        {
            ulong packets = 0, bytes = 0;
            uint count = 0;
            if (filter is not null)
            {
                foreach (FlowRule r in _control.Flows.Select(filter))
                {
                    packets += (ulong)r.PacketCount;
                    bytes += (ulong)r.ByteCount;
                    count++;
                }
            }
            return OfpResult<AggregateStats>.Ok(new AggregateStats(packets, bytes, count));
        });
    }

    private static bool TryFilter(FlowStatsRequest request, out FlowFilter? filter, out OfpError error)
    {
        filter = null;
        if (request.TableId != OfpTableId.All && request.TableId > FlowTables.MaxTableId)
        {
            error = OfpError.Of(BadRequestCode.BadTableId);
            return false;
        }
        if (!MatchMapping.TryToFlowMatch(request.Match, out FlowMatch match, out error))
        {
            return false;
        }
        ushort outPort = OpenFlowPort.None;
        if (request.OutPort != OfpPortNo.Any && !PortMapping.TryToEngine(request.OutPort, out outPort))
        {
            return true; // selects nothing
        }
        filter = new FlowFilter(request.TableId == OfpTableId.All ? null : request.TableId, match, null, false, request.Cookie,
            request.CookieMask, outPort, request.OutGroup);
        return true;
    }

    /// <inheritdoc/>
    public IReadOnlyList<TableStats> GetTableStats() => _gate.RunExclusive(() =>
    {
        FlowTables t = _control.Flows;
        // The datapath threads count lookups and matches per table in their own arrays (no shared counter per lookup).
        var lookups = new long[FlowTables.TableCount];
        var matches = new long[FlowTables.TableCount];
        _control.Runtime.AddTableCounts(lookups, matches);
        var result = new TableStats[FlowTables.TableCount];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = new TableStats((byte)i, (uint)t.CountIn((byte)i), (ulong)lookups[i], (ulong)matches[i]);
        }
        return (IReadOnlyList<TableStats>)result;
    });

    /// <inheritdoc/>
    public IReadOnlyList<TableFeatures> GetTableFeatures()
    {
        var result = new TableFeatures[FlowTables.TableCount];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = TableFeaturesOf((byte)i);
        }
        return result;
    }

    private static readonly OfpInstructionType[] s_instructions = [OfpInstructionType.GotoTable, OfpInstructionType.WriteMetadata,
        OfpInstructionType.WriteActions, OfpInstructionType.ApplyActions, OfpInstructionType.ClearActions];

    private static readonly OfpInstructionType[] s_lastInstructions = [OfpInstructionType.WriteMetadata,
        OfpInstructionType.WriteActions, OfpInstructionType.ApplyActions, OfpInstructionType.ClearActions];

    private static readonly OfpActionType[] s_actions = [OfpActionType.Output, OfpActionType.PushVlan, OfpActionType.PopVlan,
        OfpActionType.Group, OfpActionType.SetNwTtl, OfpActionType.DecNwTtl, OfpActionType.SetField];

    private static readonly OxmFieldSupport[] s_match = [.. Flows.Keys.FlowFields.All.ToArray()
        .Where(MatchMapping.HasOxmForm).Select(f => new OxmFieldSupport((OxmField)(byte)f, OxmFieldInfo.IsMaskable((OxmField)(byte)f)))];

    private static readonly OxmField[] s_wildcards = [.. s_match.Select(m => m.Field)];

    private static readonly OxmField[] s_setFields = [.. Flows.Keys.FlowFields.All.ToArray()
        .Where(f => Flows.Keys.FlowFields.IsWritable(f) && MatchMapping.HasOxmForm(f)).Select(f => (OxmField)(byte)f)];

    private static TableFeatures TableFeaturesOf(byte table) => new(table, $"table{table}", ulong.MaxValue, ulong.MaxValue, 0, MaxFlows)
    {
        Instructions = table == FlowTables.MaxTableId ? s_lastInstructions : s_instructions,
        NextTables = [.. Enumerable.Range(table + 1, FlowTables.MaxTableId - table).Select(x => (byte)x)],
        WriteActions = s_actions,
        ApplyActions = s_actions,
        Match = s_match,
        Wildcards = s_wildcards,
        WriteSetfield = s_setFields,
        ApplySetfield = s_setFields,
    };

    /// <inheritdoc/>
    public OfpResult<IReadOnlyList<OfPortStats>> GetPortStats(uint portNo) => _gate.RunExclusive(() =>
    {
        var result = new List<OfPortStats>();
        foreach (ModelPort port in _control.Config.Ports)
        {
            if (portNo != OfpPortNo.Any && portNo != (uint)port.OfPort)
            {
                continue;
            }
            Core.Ports.PortStats s = _control.Runtime.PortStats(port).Stats;
            long rxDrop = 0, txDrop = 0, rxErr = 0, txErr = 0;
            foreach (Core.Ports.QueueStats q in s.Rx)
            {
                rxDrop += q.Drops.Total;
                rxErr += q.Errors;
            }
            foreach (Core.Ports.QueueStats q in s.Tx)
            {
                txDrop += q.Drops.Total;
                txErr += q.Errors;
            }
            result.Add(new OfPortStats((uint)port.OfPort, (ulong)s.RxPackets, (ulong)s.TxPackets, (ulong)s.RxBytes, (ulong)s.TxBytes,
                (ulong)rxDrop, (ulong)txDrop, (ulong)rxErr, (ulong)txErr, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, 0, 0));
        }
        return portNo != OfpPortNo.Any && result.Count == 0
            ? OfpResult<IReadOnlyList<OfPortStats>>.Fail(OfpError.Of(BadRequestCode.BadPort))
            : OfpResult<IReadOnlyList<OfPortStats>>.Ok(result);
    });

    /// <inheritdoc/>
    public IReadOnlyList<OfpPort> GetPorts() => _gate.RunExclusive(() =>
        (IReadOnlyList<OfpPort>)[.. _control.Config.Ports.OrderBy(p => p.OfPort).Select(DescribePort)]);

    /// <summary>
    /// The OpenFlow description of a configured port (for PORT_DESC and PORT_STATUS): its number and name, LIVE while
    /// the runtime says it is up, else LINK_DOWN; a nominal 10 Gb/s; a locally administered MAC address derived from
    /// the name, stable across restarts (the switch does not own the peer's address). Call inside the gate.
    /// </summary>
    public OfpPort DescribePort(ModelPort port)
    {
        ArgumentNullException.ThrowIfNull(port);
        bool up = _control.Runtime.GetPortState(port) == Core.Ports.PortState.Up;
        return new OfpPort((uint)port.OfPort, HwAddr(port), port.Name.Length > 15 ? port.Name[..15] : port.Name, OfPortConfig.None,
            up ? OfPortState.Live : OfPortState.LinkDown, PortFeatures.Rate10GbFd | PortFeatures.Copper, PortFeatures.None,
            PortFeatures.None, PortFeatures.None, 10_000_000, 10_000_000);
    }

    /// <inheritdoc/>
    public OfpResult<IReadOnlyList<QueueStats>> GetQueueStats(uint portNo, uint queueId) => _gate.RunExclusive(() =>
        portNo != OfpPortNo.Any && (portNo > ModelPort.MaxOfPort || _control.Config.FindPort((int)portNo) is null)
            ? OfpResult<IReadOnlyList<QueueStats>>.Fail(OfpError.Of(QueueOpFailedCode.BadPort))
            : OfpResult<IReadOnlyList<QueueStats>>.Ok([]));

    /// <inheritdoc/>
    public IReadOnlyList<GroupStats> GetGroupStats(uint groupId) => _gate.RunExclusive(() =>
    {
        long now = _control.Clock.NowMilliseconds;
        var result = new List<GroupStats>();
        foreach (FlowGroup g in _control.Flows.Groups)
        {
            if (groupId != OfpGroupId.All && g.Id != groupId)
            {
                continue;
            }
            (uint sec, uint nsec) = Duration(now - g.CreatedMs);
            result.Add(new GroupStats(g.Id, (uint)_control.Flows.GroupRefCount(g.Id), (ulong)g.Counters.Packets, (ulong)g.Counters.Bytes,
                sec, nsec, [.. g.Buckets.Select(b => new BucketCounter((ulong)b.Counters.Packets, (ulong)b.Counters.Bytes))]));
        }
        return (IReadOnlyList<GroupStats>)result;
    });

    /// <inheritdoc/>
    public IReadOnlyList<GroupDesc> GetGroupDescriptions() => _gate.RunExclusive(() =>
        (IReadOnlyList<GroupDesc>)[.. _control.Flows.Groups.Select(g => new GroupDesc((OfGroupType)(byte)g.Type, g.Id,
            [.. g.Buckets.Select(b => new OfpBucket(0, OfpPortNo.Any, OfpGroupId.Any, ActionMapping.ToOfpActions(b.Actions.Actions)))]))]);

    /// <summary>
    /// FLOW_REMOVED for those of <paramref name="removed"/> that asked for it, with the reason the tables gave and the
    /// flow's counters as they stand. The handler of <see cref="ControlPlane.FlowsRemoved"/> (timeouts and the RPC
    /// deletes, already stored and published); the adapter's own deletes come here too. Inside the gate.
    /// </summary>
    public void Removed(IReadOnlyList<RemovedFlow> removed)
    {
        ArgumentNullException.ThrowIfNull(removed);
        if (removed.Count == 0 || Events is not { } events)
        {
            return;
        }
        long now = _control.Clock.NowMilliseconds;
        foreach (RemovedFlow f in removed)
        {
            FlowRule r = f.Rule;
            if ((r.Flags & FlowFlags.SendFlowRemoved) == 0)
            {
                continue;
            }
            (uint sec, uint nsec) = Duration(now - r.CreatedMs);
            events.PublishFlowRemoved(new FlowRemoved(0, r.Cookie, (ushort)r.Priority, (FlowRemovedReason)(byte)f.Reason, r.TableId, sec, nsec,
                (ushort)r.IdleTimeout, (ushort)r.HardTimeout, (ulong)r.PacketCount, (ulong)r.ByteCount, MatchMapping.ToOfpMatch(r.Match)));
        }
    }

    // Inside the gate: an OpenFlow delete (FLOW_MOD or GROUP_MOD) removed these; publish soon, report them now.
    private void Deleted(IReadOnlyList<RemovedFlow> removed)
    {
        if (removed.Count > 0)
        {
            MarkDirty();
            Removed(removed);
        }
    }

    // Inside the gate: the tables changed; publish them soon (or at the next barrier or RPC change).
    private void MarkDirty()
    {
        _dirty = true;
        if (Interlocked.Exchange(ref _publishScheduled, 1) == 0)
        {
            _ = PublishLaterAsync();
        }
    }

    private async Task PublishLaterAsync()
    {
        try
        {
            await Task.Delay(PublishDelay).ConfigureAwait(false);
            Volatile.Write(ref _publishScheduled, 0);
            await RunAsync(() =>
            {
                Publish();
                return 0;
            }).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _log.LogError(e, "publishing OpenFlow changes failed");
        }
    }

    // Inside the gate: writes the tables to the DB and hands them to the datapath, if an OpenFlow change is pending.
    private void Publish()
    {
        if (!_dirty)
        {
            return;
        }
        _dirty = false;
        try
        {
            _control.CommitFlows();
        }
        catch (ControlException e)
        {
            _log.LogError("OpenFlow changes could not be stored, the tables are back to the DB's: {Reason}", e.Message);
        }
    }

    private Task<T> RunAsync<T>(Func<T> work) => _gate.RunExclusiveAsync(work);

    private static (uint Sec, uint Nsec) Duration(long ms)
    {
        ms = Math.Max(0, ms);
        return ((uint)(ms / 1000), (uint)(ms % 1000 * 1_000_000));
    }

    /// <summary>The port's locally administered MAC address (02:xx:..., from its name).</summary>
    private static ulong HwAddr(ModelPort port) => (0x02UL << 40) | (Fnv1a(port.Name) & 0xff_ffff_ffffUL);

    private static ulong Fnv1a(string text)
    {
        ulong h = 0xcbf29ce484222325UL;
        foreach (char c in text)
        {
            h = (h ^ c) * 0x100000001b3UL;
        }
        return h;
    }
}
