using System.CommandLine;
using System.Globalization;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;

namespace VSwitch.Cli.Commands;

/// <summary>set-controller, del-controller, get-controller and set-fail-mode (ovs-vsctl's commands, for the one bridge).</summary>
internal static class ControllerCommands
{
    public static Command SetController(GlobalOptions g)
    {
        var targets = new Argument<string[]>("TARGET")
        {
            Description = "tcp:HOST[:PORT] (port 6653 when omitted; an IPv6 host in brackets); the list replaces the old one",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("set-controller", "Connect the bridge to OpenFlow controllers") { targets };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.SetController,
            () => CliRunner.Params(new SetControllerParams(parse.GetValue(targets)!), RpcJsonContext.Default.SetControllerParams), null, ct));
        return command;
    }

    public static Command DelController(GlobalOptions g)
    {
        var command = new Command("del-controller", "Disconnect from every OpenFlow controller and forget them");
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.DelController, () => null, null, ct));
        return command;
    }

    public static Command GetController(GlobalOptions g)
    {
        var command = new Command("get-controller", "Show the controllers, their connection state and the fail mode");
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.GetController, () => null,
            (result, output) => Print(RpcClient.ReadResult(result, RpcJsonContext.Default.ControllerResult), output, ""), ct));
        return command;
    }

    public static Command SetFailMode(GlobalOptions g)
    {
        var mode = new Argument<string>("MODE") { Description = "standalone (NORMAL while no controller is connected) or secure (only the flows)" };
        mode.AcceptOnlyFromAmong("standalone", "secure");
        var command = new Command("set-fail-mode", "Choose what the bridge does without a controller") { mode };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.SetFailMode,
            () => CliRunner.Params(new SetFailModeParams(parse.GetValue(mode)!), RpcJsonContext.Default.SetFailModeParams), null, ct));
        return command;
    }

    /// <summary>One line for the fail mode, then one per controller (also under show).</summary>
    public static void Print(ControllerResult r, TextWriter output, string indent)
    {
        output.WriteLine($"{indent}fail-mode: {r.FailMode}{(r.FailOpen ? " (fail-open: forwarding NORMAL, no controller connected)" : "")}");
        foreach (ControllerInfo c in r.Controllers)
        {
            string since = c.IsConnected ? $" for {c.ConnectedForSeconds.ToString(CultureInfo.InvariantCulture)} s, role {c.Role}" : "";
            string error = c.LastError is null || c.IsConnected ? "" : $" (last error: {c.LastError})";
            output.WriteLine($"{indent}controller {c.Target}: {c.State}{since}{error}");
        }
    }
}
