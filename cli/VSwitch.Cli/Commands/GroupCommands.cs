using System.CommandLine;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;

namespace VSwitch.Cli.Commands;

/// <summary>add-group, del-groups and dump-groups, in ovs-ofctl syntax with ports by name or number.</summary>
internal static class GroupCommands
{
    public static Command AddGroup(GlobalOptions g)
    {
        var group = new Argument<string>("GROUP") { Description = "e.g. group_id=5,type=all,bucket=output:vm1,bucket=output:vm2" };
        var command = new Command("add-group", "Add an OpenFlow group (type all or indirect); flows apply it with actions=group:ID") { group };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.AddGroup,
            () => CliRunner.Params(new GroupParams(parse.GetValue(group)), RpcJsonContext.Default.GroupParams), null, ct));
        return command;
    }

    public static Command DelGroups(GlobalOptions g)
    {
        var which = new Argument<string?>("GROUP") { Description = "group_id=ID or group_id=all (default: all)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("del-groups", "Delete groups and the flows that apply them (all groups without group_id=)") { which };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.DelGroups,
            () => CliRunner.Params(new GroupParams(parse.GetValue(which)), RpcJsonContext.Default.GroupParams), null, ct));
        return command;
    }

    public static Command DumpGroups(GlobalOptions g)
    {
        var which = new Argument<string?>("GROUP") { Description = "Only group_id=ID", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("dump-groups", "Print the groups, as ovs-ofctl dump-groups") { which };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.DumpGroups,
            () => CliRunner.Params(new GroupParams(parse.GetValue(which)), RpcJsonContext.Default.GroupParams),
            (result, output) =>
            {
                foreach (GroupInfo info in RpcClient.ReadResult(result, RpcJsonContext.Default.DumpGroupsResult).Groups)
                {
                    output.WriteLine(" " + info.Text);
                }
            }, ct));
        return command;
    }
}
