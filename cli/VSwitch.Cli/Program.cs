using System.CommandLine;
using System.CommandLine.Invocation;
using VSwitch.Cli;
using VSwitch.Cli.Commands;

// vswitchctl: the command-line client of vswitchd. Talks JSON-RPC over RUN_DIR/vswitchd.ctl and nothing else.
var globals = new GlobalOptions();
var root = new RootCommand(
    "Control a running vswitchd. Exit codes: 0 success, 1 vswitchd refused the request, 2 bad command line, 3 vswitchd unreachable.");
globals.AddTo(root);
root.Add(PortCommands.AddPort(globals));
root.Add(PortCommands.DelPort(globals));
root.Add(PortCommands.SetPort(globals));
root.Add(ShowCommands.Show(globals));
root.Add(ShowCommands.ListPorts(globals));
root.Add(StatsCommands.PortStats(globals));
root.Add(StatsCommands.PortStatus(globals));
root.Add(FlowCommands.AddFlow(globals));
root.Add(FlowCommands.AddFlows(globals));
root.Add(FlowCommands.ModFlows(globals));
root.Add(FlowCommands.DelFlows(globals));
root.Add(FlowCommands.DumpFlows(globals));
root.Add(GroupCommands.AddGroup(globals));
root.Add(GroupCommands.DelGroups(globals));
root.Add(GroupCommands.DumpGroups(globals));
root.Add(FdbCommands.FdbShow(globals));
root.Add(FdbCommands.FdbFlush(globals));
root.Add(FdbCommands.Set(globals));
root.Add(PmdCommands.PmdStats(globals));
root.Add(PmdCommands.PmdStatsClear(globals));
root.Add(PmdCommands.PmdRxqShow(globals));
root.Add(CaptureCommands.Capture(globals));
root.Add(CaptureCommands.CaptureList(globals));
root.Add(CaptureCommands.CaptureStop(globals));
root.Add(ControllerCommands.SetController(globals));
root.Add(ControllerCommands.DelController(globals));
root.Add(ControllerCommands.GetController(globals));
root.Add(ControllerCommands.SetFailMode(globals));
root.Add(LibvirtCommands.LibvirtXml(globals));

ParseResult parse = root.Parse(args);
if (parse.Action is ParseErrorAction && parse.Errors.Count > 0)
{
    // One line, not the error list plus the whole help text.
    string command = parse.CommandResult.Command == root ? "" : " " + parse.CommandResult.Command.Name;
    string errors = string.Join(" ", parse.Errors.Select(e => e.Message)).ReplaceLineEndings(" ");
    Console.Error.WriteLine($"vswitchctl: {errors} (see 'vswitchctl{command} --help')");
    return ExitCodes.Usage;
}
// No termination timeout: capture handles SIGINT/SIGTERM itself and must be let finish its file.
return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
