using VSwitch.Control.Model;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Ports;
using VSwitch.Flows.Actions;
using VSwitch.Flows.Rules;
using VSwitch.OpenFlow.Transport;
using VSwitch.Rpc;

namespace VSwitch.Control.Runtime;

/// <summary>
/// The running switch as the control plane drives it: ports, the published flow table, the MAC learning table,
/// the datapath threads and their counters. The daemon implements it over the real ports and datapath; tests
/// use a fake. It speaks the control plane's own records (here and in <c>VSwitch.Control.Model</c>), never the RPC
/// messages: the handlers map between the two at the RPC edge. Every call comes from the control plane with requests
/// serialised (one call at a time), after the request was validated. A method that cannot do what is asked throws
/// <see cref="ControlException"/> and leaves the running state as it was.
/// </summary>
public interface ISwitchRuntime
{
    /// <summary>Creates and starts the port through its port type and hands it to the datapath.</summary>
    void AddPort(PortConfig port);

    /// <summary>Takes the port out of the datapath, stops it and releases it (its server socket is removed).</summary>
    void RemovePort(PortConfig port);

    /// <summary>Applies changed settings (VLAN, MTU, options) of a running port; may re-create it.</summary>
    void SetPort(PortConfig previous, PortConfig next);

    /// <summary>The port's state; <see cref="PortState.Error"/> when it could not be created.</summary>
    PortState GetPortState(PortConfig port);

    /// <summary>Publishes the tables' flows and groups to the datapath threads (a new pipeline; caches invalidate by generation).</summary>
    void ReplaceFlows(FlowTables tables);

    /// <summary>The learned MACs.</summary>
    IReadOnlyList<LearnedMac> FdbShow();

    /// <summary>The MAC learning table's counters (learned, moved, evicted, expired).</summary>
    FdbStats FdbStats();

    /// <summary>Forgets learned MACs, only those on <paramref name="ofPort"/> when given. Returns how many.</summary>
    int FdbFlush(int? ofPort);

    /// <summary>Sets how long an unused learned MAC is kept.</summary>
    void SetMacAging(int seconds);

    /// <summary>Sets the MAC table's capacity.</summary>
    void SetMacTableSize(int entries);

    /// <summary>Sets the datapath threads' idle behaviour.</summary>
    void SetPmdMode(PmdMode mode);

    /// <summary>The port's live counters (empty ones for a port that is not running).</summary>
    PortCounters PortStats(PortConfig port);

    /// <summary>The port's connection and device state; <see cref="PortState.Error"/> with the reason when it could not be created.</summary>
    PortStatusReport PortStatus(PortConfig port);

    /// <summary>Counters of each datapath thread.</summary>
    IReadOnlyList<PmdThreadStats> PmdStats();

    /// <summary>
    /// Adds each flow table's lookups and matches since start, as the datapath threads and PACKET_OUT counted them, to
    /// <paramref name="lookups"/> and <paramref name="matches"/> (indexed by table id): the OpenFlow TABLE statistics.
    /// A runtime without a datapath adds nothing.
    /// </summary>
    void AddTableCounts(Span<long> lookups, Span<long> matches)
    {
    }

    /// <summary>Zeroes the datapath thread counters (not the table counters).</summary>
    void PmdStatsClear();

    /// <summary>Which receive queues each datapath thread polls.</summary>
    IReadOnlyList<PmdRxQueues> PmdRxqShow();

    /// <summary>
    /// Starts a capture on validated parameters (ports exist, values in range): compiles the filter, prepares the ring
    /// and the socket the file streams through. Throws <see cref="ControlException"/> for a bad filter. A runtime
    /// without capture support refuses.
    /// </summary>
    CaptureStarted CaptureStart(CaptureRequest request) =>
        throw new ControlException(RpcErrorCodes.Unavailable, "packet capture is not available in this switch");

    /// <summary>
    /// A PACKET_OUT: runs <paramref name="actions"/> (output:TABLE runs the flow tables) on a copy of
    /// <paramref name="frame"/> as if it came in on <paramref name="inPort"/> (OpenFlow 1.0 numbering,
    /// <see cref="Flows.Actions.OpenFlowPort.Controller"/> for a packet from a controller), sent before the call returns.
    /// Returns null when the packet was processed, else why it was dropped. A runtime without a datapath refuses.
    /// </summary>
    DropReason? PacketOut(ReadOnlySpan<byte> frame, ushort inPort, ReadOnlySpan<FlowAction> actions) =>
        throw new ControlException(RpcErrorCodes.Unavailable, "packet-out is not available in this switch");

    /// <summary>Ends a running capture (its file is completed) or returns a finished one's summary.</summary>
    CaptureStatus CaptureStop(int id) => throw ControlException.Invalid($"no capture {id}");

    /// <summary>Running and recently finished captures.</summary>
    IReadOnlyList<CaptureStatus> CaptureList() => [];

    /// <summary>
    /// Connects to <paramref name="targets"/> (replacing every earlier target; empty for none) and applies
    /// <paramref name="failMode"/>. Connections are made in the background, retried with back-off. A runtime without
    /// OpenFlow refuses.
    /// </summary>
    void SetControllers(IReadOnlyList<ControllerTarget> targets, FailMode failMode) =>
        throw new ControlException(RpcErrorCodes.Unavailable, "OpenFlow controllers are not available in this switch");

    /// <summary>The controller connections now and whether the bridge is in fail-open.</summary>
    ControllerReport Controllers() => new(false, []);
}
