using System.CommandLine;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;

namespace VSwitch.Cli.Commands;

/// <summary>add-flow, add-flows, mod-flows, del-flows and dump-flows, in ovs-ofctl syntax with ports by name or number.</summary>
internal static class FlowCommands
{
    public static Command AddFlow(GlobalOptions g)
    {
        var flow = new Argument<string>("FLOW") { Description = "e.g. priority=10,in_port=vm1,actions=output:vm2" };
        var command = new Command("add-flow", "Add a flow (one with the same match and priority is replaced)") { flow };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.AddFlow,
            () => CliRunner.Params(new FlowParams(parse.GetValue(flow), false), RpcJsonContext.Default.FlowParams), null, ct));
        return command;
    }

    public static Command AddFlows(GlobalOptions g)
    {
        var file = new Argument<string>("FILE") { Description = "One flow per line ('#' comments and blank lines skipped); '-' reads stdin" };
        var command = new Command("add-flows", "Add the flows of a file, all or none") { file };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.AddFlows,
            () => CliRunner.Params(new AddFlowsParams(ReadLines(parse.GetValue(file)!)), RpcJsonContext.Default.AddFlowsParams), null, ct));
        return command;
    }

    public static Command ModFlows(GlobalOptions g)
    {
        var flow = new Argument<string>("FLOW") { Description = "A match and actions=..., e.g. in_port=vm1,actions=drop" };
        var strict = Strict();
        var command = new Command("mod-flows", "Replace the actions of the flows the match selects") { flow, strict };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.ModFlows,
            () => CliRunner.Params(new FlowParams(parse.GetValue(flow), parse.GetValue(strict)), RpcJsonContext.Default.FlowParams), null, ct));
        return command;
    }

    public static Command DelFlows(GlobalOptions g)
    {
        var match = new Argument<string?>("MATCH") { Description = "Which flows (default: all)", Arity = ArgumentArity.ZeroOrOne };
        var strict = Strict();
        var command = new Command("del-flows", "Delete the flows the match selects (all flows without a match)") { match, strict };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.DelFlows,
            () => CliRunner.Params(new FlowParams(parse.GetValue(match), parse.GetValue(strict)), RpcJsonContext.Default.FlowParams), null, ct));
        return command;
    }

    public static Command DumpFlows(GlobalOptions g)
    {
        var match = new Argument<string?>("MATCH") { Description = "Only flows the match selects", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("dump-flows", "Print the flows with their counters, as ovs-ofctl dump-flows") { match };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.DumpFlows,
            () => CliRunner.Params(new FlowParams(parse.GetValue(match), false), RpcJsonContext.Default.FlowParams),
            (result, output) =>
            {
                foreach (FlowInfo f in RpcClient.ReadResult(result, RpcJsonContext.Default.DumpFlowsResult).Flows)
                {
                    output.WriteLine(" " + f.Text);
                }
            }, ct));
        return command;
    }

    private static Option<bool> Strict() =>
        new("--strict") { Description = "Select only the flow with exactly this match and priority" };

    private static string[] ReadLines(string file)
    {
        try
        {
            return file == "-" ? Console.In.ReadToEnd().Split('\n') : File.ReadAllLines(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"cannot read {file}: {e.Message}");
        }
    }
}
