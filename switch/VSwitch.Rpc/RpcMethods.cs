namespace VSwitch.Rpc;

/// <summary>Method names of the control protocol; each is also the vswitchctl command of the same name.</summary>
public static class RpcMethods
{
    /// <summary>Adds a port (<see cref="Messages.AddPortParams"/> → <see cref="Messages.PortInfo"/>).</summary>
    public const string AddPort = "add-port";

    /// <summary>Deletes a port (<see cref="Messages.PortNameParams"/> → <see cref="Messages.EmptyResult"/>).</summary>
    public const string DelPort = "del-port";

    /// <summary>Changes a port's settings (<see cref="Messages.SetPortParams"/> → <see cref="Messages.PortInfo"/>).</summary>
    public const string SetPort = "set-port";

    /// <summary>The bridge, its ports and settings (→ <see cref="Messages.ShowResult"/>).</summary>
    public const string Show = "show";

    /// <summary>Port names (→ <see cref="Messages.ListPortsResult"/>).</summary>
    public const string ListPorts = "list-ports";

    /// <summary>Port counters (<see cref="Messages.PortStatsParams"/> → <see cref="Messages.PortStatsResult"/>).</summary>
    public const string PortStats = "port-stats";

    /// <summary>One port's connection and device state (<see cref="Messages.PortNameParams"/> → <see cref="Messages.PortStatusResult"/>).</summary>
    public const string PortStatus = "port-status";

    /// <summary>Adds one flow (<see cref="Messages.FlowParams"/> → <see cref="Messages.FlowChangeResult"/>).</summary>
    public const string AddFlow = "add-flow";

    /// <summary>Adds many flows, all or none (<see cref="Messages.AddFlowsParams"/> → <see cref="Messages.FlowChangeResult"/>).</summary>
    public const string AddFlows = "add-flows";

    /// <summary>Replaces the actions of matching flows (<see cref="Messages.FlowParams"/> → <see cref="Messages.FlowChangeResult"/>).</summary>
    public const string ModFlows = "mod-flows";

    /// <summary>Deletes matching flows (<see cref="Messages.FlowParams"/> → <see cref="Messages.FlowChangeResult"/>).</summary>
    public const string DelFlows = "del-flows";

    /// <summary>Flows with counters (<see cref="Messages.FlowParams"/> → <see cref="Messages.DumpFlowsResult"/>).</summary>
    public const string DumpFlows = "dump-flows";

    /// <summary>Adds an OpenFlow group (<see cref="Messages.GroupParams"/> → <see cref="Messages.GroupChangeResult"/>).</summary>
    public const string AddGroup = "add-group";

    /// <summary>Deletes one group or all, with the flows that apply them (<see cref="Messages.GroupParams"/> → <see cref="Messages.GroupChangeResult"/>).</summary>
    public const string DelGroups = "del-groups";

    /// <summary>The groups (<see cref="Messages.GroupParams"/> → <see cref="Messages.DumpGroupsResult"/>).</summary>
    public const string DumpGroups = "dump-groups";

    /// <summary>The MAC learning table (→ <see cref="Messages.FdbShowResult"/>).</summary>
    public const string FdbShow = "fdb-show";

    /// <summary>Forgets learned MACs (<see cref="Messages.FdbFlushParams"/> → <see cref="Messages.FdbFlushResult"/>).</summary>
    public const string FdbFlush = "fdb-flush";

    /// <summary>Changes switch settings (<see cref="Messages.SetParams"/> → <see cref="Messages.SettingsInfo"/>).</summary>
    public const string Set = "set";

    /// <summary>Datapath thread counters (→ <see cref="Messages.PmdStatsResult"/>).</summary>
    public const string PmdStats = "pmd-stats";

    /// <summary>Zeroes the datapath thread counters (→ <see cref="Messages.EmptyResult"/>).</summary>
    public const string PmdStatsClear = "pmd-stats-clear";

    /// <summary>Which receive queues each datapath thread polls (→ <see cref="Messages.PmdRxqResult"/>).</summary>
    public const string PmdRxqShow = "pmd-rxq-show";

    /// <summary>Starts a packet capture (<see cref="Messages.CaptureStartParams"/> → <see cref="Messages.CaptureStartResult"/>).</summary>
    public const string CaptureStart = "capture-start";

    /// <summary>Ends a capture, or reads a finished one's summary (<see cref="Messages.CaptureIdParams"/> → <see cref="Messages.CaptureInfo"/>).</summary>
    public const string CaptureStop = "capture-stop";

    /// <summary>Running and recently finished captures (→ <see cref="Messages.CaptureListResult"/>).</summary>
    public const string CaptureList = "capture-list";

    /// <summary>Sets the OpenFlow controllers, replacing any (<see cref="Messages.SetControllerParams"/> → <see cref="Messages.ControllerResult"/>).</summary>
    public const string SetController = "set-controller";

    /// <summary>Removes every controller (→ <see cref="Messages.ControllerResult"/>).</summary>
    public const string DelController = "del-controller";

    /// <summary>The controllers, their connections and the fail mode (→ <see cref="Messages.ControllerResult"/>).</summary>
    public const string GetController = "get-controller";

    /// <summary>Sets what the bridge does without a controller (<see cref="Messages.SetFailModeParams"/> → <see cref="Messages.ControllerResult"/>).</summary>
    public const string SetFailMode = "set-fail-mode";
}
