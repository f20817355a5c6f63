using System.CommandLine;
using System.Globalization;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;

namespace VSwitch.Cli.Commands;

/// <summary>add-port, del-port and set-port.</summary>
internal static class PortCommands
{
    public static Command AddPort(GlobalOptions g)
    {
        var name = new Argument<string>("NAME") { Description = "Port name: a letter, then letters, digits, '_', '-' or '.'" };
        var type = new Argument<string>("TYPE") { Description = "vhostuser (the switch listens), vhostuserclient (the switch connects), tap (a Linux TAP interface), pcap (a live interface through libpcap, or pcap files to replay and record) or vxlan (a tunnel to another host's switch)" };
        type.CompletionSources.Add("vhostuser", "vhostuserclient", "tap", "pcap", "vxlan");
        var settings = new PortSettingOptions();
        var command = new Command("add-port", "Add a port to the bridge") { name, type };
        settings.AddTo(command);
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.AddPort,
            () => CliRunner.Params(new AddPortParams(parse.GetValue(name)!, parse.GetValue(type)!, settings.Read(parse)),
                RpcJsonContext.Default.AddPortParams),
            (result, output) =>
            {
                PortInfo p = RpcClient.ReadResult(result, RpcJsonContext.Default.PortInfo);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"added port {p.Name}: {p.Type}, ofport {p.OfPort}{(p.Socket is null ? "" : ", socket " + p.Socket)}{TapSummary(p)}{VxlanSummary(p)}"));
            }, ct));
        return command;
    }

    /// <summary>", interface IF, N queue(s), offloads on|off" for a tap port, else nothing.</summary>
    private static string TapSummary(PortInfo p) =>
        p.Options.TryGetValue("ifname", out string? ifName)
            ? $", interface {ifName}, {p.Options.GetValueOrDefault("queues", "1")} queue(s)"
                + (p.Options.TryGetValue("offloads", out string? offloads) ? $", offloads {offloads}" : "")
            : "";

    /// <summary>", to REMOTE:PORT, key K" for a vxlan port, else nothing.</summary>
    private static string VxlanSummary(PortInfo p) =>
        p.Type == "vxlan" && p.Options.TryGetValue("remote-ip", out string? remote)
            ? $", to {remote}:{p.Options.GetValueOrDefault("dst-port", "4789")}, key {p.Options.GetValueOrDefault("key", "0")}"
            : "";

    public static Command DelPort(GlobalOptions g)
    {
        var name = new Argument<string>("NAME") { Description = "The port to delete" };
        var command = new Command("del-port", "Delete a port (its server socket is removed)") { name };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.DelPort,
            () => CliRunner.Params(new PortNameParams(parse.GetValue(name)!), RpcJsonContext.Default.PortNameParams), null, ct));
        return command;
    }

    public static Command SetPort(GlobalOptions g)
    {
        var name = new Argument<string>("NAME") { Description = "The port to change" };
        var settings = new PortSettingOptions();
        var clear = new Option<string[]>("--clear")
        {
            Description = "Reset a setting to its default: tag, trunks, mtu or an option key (repeatable)",
            HelpName = "KEY",
        };
        var command = new Command("set-port", "Change a port's settings") { name, clear };
        settings.AddTo(command);
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.SetPort,
            () => CliRunner.Params(new SetPortParams(parse.GetValue(name)!, settings.Read(parse), parse.GetValue(clear)),
                RpcJsonContext.Default.SetPortParams),
            null, ct));
        return command;
    }
}
