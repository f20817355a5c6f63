using System.CommandLine;
using System.Globalization;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;

namespace VSwitch.Cli.Commands;

/// <summary>show and list-ports.</summary>
internal static class ShowCommands
{
    public static Command Show(GlobalOptions g)
    {
        var command = new Command("show", "Show the bridge, its ports (type, state, socket, ofport, VLAN) and settings");
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.Show, () => null,
            (result, output) => Print(RpcClient.ReadResult(result, RpcJsonContext.Default.ShowResult), output), ct));
        return command;
    }

    public static Command ListPorts(GlobalOptions g)
    {
        var command = new Command("list-ports", "List the port names, one per line");
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.ListPorts, () => null,
            (result, output) =>
            {
                foreach (string name in RpcClient.ReadResult(result, RpcJsonContext.Default.ListPortsResult).Ports)
                {
                    output.WriteLine(name);
                }
            }, ct));
        return command;
    }

    private static void Print(ShowResult show, TextWriter output)
    {
        SettingsInfo s = show.Settings;
        output.WriteLine($"bridge {show.Bridge}");
        var table = new TextTable("ofport", "name", "type", "state", "vlan", "mtu", "socket");
        foreach (PortInfo p in show.Ports)
        {
            table.Add(Num(p.OfPort), p.Name, p.Type, p.State, Vlan(p.Tag, p.Trunks), p.Mtu is int m ? Num(m) : "-", p.Socket ?? "-");
        }
        if (show.Ports.Length > 0)
        {
            table.WriteTo(output, "  ");
        }
        else
        {
            output.WriteLine("  (no ports)");
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"flows: {show.FlowCount}  mac-aging-time: {s.MacAgingTime}  mac-table-size: {s.MacTableSize}  pmd-threads: {s.PmdThreads}  pmd-cpus: {s.PmdCpus ?? "any"}  pmd-mode: {s.PmdMode}"));
        if (show.Controller is { } controller)
        {
            ControllerCommands.Print(controller, output, "");
        }
    }

    private static string Vlan(int? tag, string? trunks) =>
        tag is int t ? "tag=" + Num(t) : trunks is not null ? "trunks=" + trunks : "-";

    private static string Num(int n) => n.ToString(CultureInfo.InvariantCulture);
}
