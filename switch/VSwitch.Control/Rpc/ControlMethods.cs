using VSwitch.Control.Rpc.Handlers;
using VSwitch.Rpc;

namespace VSwitch.Control.Rpc;

/// <summary>The method table of the control socket: one line per method, each calling one handler method.</summary>
public static class ControlMethods
{
    /// <summary>Creates a dispatcher with every method of <see cref="RpcMethods"/> bound to <paramref name="control"/>.</summary>
    public static RpcDispatcher CreateDispatcher(ControlPlane control)
    {
        ArgumentNullException.ThrowIfNull(control);
        var d = new RpcDispatcher(control.Logger);
        var ports = new PortHandlers(control);
        var stats = new StatsHandlers(control);
        var flows = new FlowHandlers(control);
        var groups = new GroupHandlers(control);
        var fdb = new FdbHandlers(control);
        var settings = new SettingsHandlers(control);
        var pmd = new PmdHandlers(control);
        var capture = new CaptureHandlers(control);
        var controllers = new ControllerHandlers(control);
        var j = RpcJsonContext.Default;
        d.Register(RpcMethods.AddPort, j.AddPortParams, j.PortInfo, ports.AddPort);
        d.Register(RpcMethods.DelPort, j.PortNameParams, j.EmptyResult, ports.DelPort);
        d.Register(RpcMethods.SetPort, j.SetPortParams, j.PortInfo, ports.SetPort);
        d.Register(RpcMethods.Show, j.ShowResult, ports.Show);
        d.Register(RpcMethods.ListPorts, j.ListPortsResult, ports.ListPorts);
        d.Register(RpcMethods.PortStats, j.PortStatsParams, j.PortStatsResult, stats.PortStats);
        d.Register(RpcMethods.PortStatus, j.PortNameParams, j.PortStatusResult, stats.PortStatus);
        d.Register(RpcMethods.AddFlow, j.FlowParams, j.FlowChangeResult, flows.AddFlow);
        d.Register(RpcMethods.AddFlows, j.AddFlowsParams, j.FlowChangeResult, flows.AddFlows);
        d.Register(RpcMethods.ModFlows, j.FlowParams, j.FlowChangeResult, flows.ModFlows);
        d.Register(RpcMethods.DelFlows, j.FlowParams, j.FlowChangeResult, flows.DelFlows);
        d.Register(RpcMethods.DumpFlows, j.FlowParams, j.DumpFlowsResult, flows.DumpFlows);
        d.Register(RpcMethods.AddGroup, j.GroupParams, j.GroupChangeResult, groups.AddGroup);
        d.Register(RpcMethods.DelGroups, j.GroupParams, j.GroupChangeResult, groups.DelGroups);
        d.Register(RpcMethods.DumpGroups, j.GroupParams, j.DumpGroupsResult, groups.DumpGroups);
        d.Register(RpcMethods.FdbShow, j.FdbShowResult, fdb.FdbShow);
        d.Register(RpcMethods.FdbFlush, j.FdbFlushParams, j.FdbFlushResult, fdb.FdbFlush);
        d.Register(RpcMethods.Set, j.SetParams, j.SettingsInfo, settings.Set);
        d.Register(RpcMethods.PmdStats, j.PmdStatsResult, pmd.PmdStats);
        d.Register(RpcMethods.PmdStatsClear, j.EmptyResult, pmd.PmdStatsClear);
        d.Register(RpcMethods.PmdRxqShow, j.PmdRxqResult, pmd.PmdRxqShow);
        d.Register(RpcMethods.CaptureStart, j.CaptureStartParams, j.CaptureStartResult, capture.CaptureStart);
        d.Register(RpcMethods.CaptureStop, j.CaptureIdParams, j.CaptureInfo, capture.CaptureStop);
        d.Register(RpcMethods.CaptureList, j.CaptureListResult, capture.CaptureList);
        d.Register(RpcMethods.SetController, j.SetControllerParams, j.ControllerResult, controllers.SetController);
        d.Register(RpcMethods.DelController, j.ControllerResult, controllers.DelController);
        d.Register(RpcMethods.GetController, j.ControllerResult, controllers.GetController);
        d.Register(RpcMethods.SetFailMode, j.SetFailModeParams, j.ControllerResult, controllers.SetFailMode);
        return d;
    }
}
