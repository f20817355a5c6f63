using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow;

/// <summary>
/// The switch as the OpenFlow protocol layer sees it: what it is, what it holds, and the changes a controller may
/// ask for. Every request reaching it has been decoded and checked for syntax (lengths, padding, field values,
/// masks and prerequisites, reserved ports, goto-table direction, command and flag values), and the caller's role
/// allows it. The switch checks the semantics: does the table, port or group exist, does it support the action,
/// does a set-field fit the match, is the table full. Refusals are answered with the <see cref="OfpError"/> the
/// switch returns, which goes to the controller with the request's xid.
/// <para>
/// Threading: calls come one at a time (the protocol layer serialises all its connections), on thread-pool
/// threads, and each is awaited before the connection reads its next message, so a BARRIER is answered only after
/// everything before it on that connection is done. The switch may be changed through other doors at the same
/// time (the RPC socket); it serialises those itself. Memory-typed fields (packet data) point into the
/// connection's receive buffer and are valid only until the returned task completes.
/// </para>
/// </summary>
public interface IOpenFlowSwitch
{
    /// <summary>FEATURES_REPLY: datapath id, number of tables, capabilities (buffers: 0).</summary>
    SwitchFeatures Features { get; }

    /// <summary>Multipart DESC.</summary>
    SwitchDescription Description { get; }

    /// <summary>GET_CONFIG_REPLY: fragment handling and miss_send_len.</summary>
    SwitchConfig Config { get; }

    /// <summary>SET_CONFIG. Refuse unsupported fragment modes with SWITCH_CONFIG_FAILED/BAD_FLAGS.</summary>
    ValueTask<OfpError?> SetConfigAsync(SetConfig request);

    /// <summary>
    /// FLOW_MOD: add, modify (-strict), delete (-strict), with cookie masks, out_port/out_group filters, timeouts and
    /// SEND_FLOW_REM/CHECK_OVERLAP/RESET_COUNTS. <see cref="FlowMod.BufferId"/> is handled by the caller.
    /// </summary>
    ValueTask<OfpError?> FlowModAsync(FlowMod request);

    /// <summary>GROUP_MOD: add, modify, delete (OFPG_ALL for every group).</summary>
    ValueTask<OfpError?> GroupModAsync(GroupMod request);

    /// <summary>PORT_MOD: administrative port settings.</summary>
    ValueTask<OfpError?> PortModAsync(PortMod request);

    /// <summary>TABLE_MOD (1.3 defines no settings; accept or refuse with TABLE_MOD_FAILED).</summary>
    ValueTask<OfpError?> TableModAsync(TableMod request);

    /// <summary>
    /// PACKET_OUT: run <see cref="PacketOut.Actions"/> on <see cref="PacketOut.Data"/> as if it came in on
    /// <see cref="PacketOut.InPort"/>. Copy the data before the task completes.
    /// </summary>
    ValueTask<OfpError?> PacketOutAsync(PacketOut request);

    /// <summary>
    /// Completes when every change accepted before it is in effect in the datapath (a switch that publishes
    /// flow-table snapshots in batches publishes here).
    /// </summary>
    ValueTask BarrierAsync();

    /// <summary>Multipart FLOW: statistics of the flows the filter selects (non-strict match, cookie, out_port/group).</summary>
    OfpResult<IReadOnlyList<FlowStats>> GetFlowStats(FlowStatsRequest request);

    /// <summary>Multipart AGGREGATE over the flows the filter selects.</summary>
    OfpResult<AggregateStats> GetAggregateStats(FlowStatsRequest request);

    /// <summary>Multipart TABLE: one entry per table.</summary>
    IReadOnlyList<TableStats> GetTableStats();

    /// <summary>Multipart TABLE_FEATURES (query): one entry per table.</summary>
    IReadOnlyList<TableFeatures> GetTableFeatures();

    /// <summary>Multipart PORT_STATS for one port or OFPP_ANY; an unknown port is BAD_REQUEST/BAD_PORT.</summary>
    OfpResult<IReadOnlyList<PortStats>> GetPortStats(uint portNo);

    /// <summary>Multipart PORT_DESC: every port.</summary>
    IReadOnlyList<OfpPort> GetPorts();

    /// <summary>Multipart QUEUE for a port (or OFPP_ANY) and queue (or OFPQ_ALL); an unknown port is QUEUE_OP_FAILED/BAD_PORT.</summary>
    OfpResult<IReadOnlyList<QueueStats>> GetQueueStats(uint portNo, uint queueId);

    /// <summary>Multipart GROUP for one group or OFPG_ALL (an unknown group gives an empty list).</summary>
    IReadOnlyList<GroupStats> GetGroupStats(uint groupId);

    /// <summary>Multipart GROUP_DESC: every group.</summary>
    IReadOnlyList<GroupDesc> GetGroupDescriptions();

    /// <summary>Multipart GROUP_FEATURES.</summary>
    GroupFeatures GroupFeatures { get; }
}
