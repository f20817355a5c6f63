using System.CommandLine;
using System.Globalization;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;

namespace VSwitch.Cli.Commands;

/// <summary>port-stats and port-status.</summary>
internal static class StatsCommands
{
    public static Command PortStats(GlobalOptions g)
    {
        var name = new Argument<string?>("NAME") { Description = "One port (default: all)", Arity = ArgumentArity.ZeroOrOne };
        var queues = new Option<bool>("--queues") { Description = "Also show each queue" };
        var command = new Command("port-stats", "Show port counters: packets, bytes, drops by reason, errors") { name, queues };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.PortStats,
            () => CliRunner.Params(new PortStatsParams(parse.GetValue(name), parse.GetValue(queues)), RpcJsonContext.Default.PortStatsParams),
            (result, output) => Print(RpcClient.ReadResult(result, RpcJsonContext.Default.PortStatsResult), output), ct));
        return command;
    }

    public static Command PortStatus(GlobalOptions g)
    {
        var name = new Argument<string>("NAME") { Description = "The port" };
        var command = new Command("port-status", "Show a port's connection state, negotiated features, MTU, queues, rings and last error") { name };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.PortStatus,
            () => CliRunner.Params(new PortNameParams(parse.GetValue(name)!), RpcJsonContext.Default.PortNameParams),
            (result, output) => Print(RpcClient.ReadResult(result, RpcJsonContext.Default.PortStatusResult), output), ct));
        return command;
    }

    private static void Print(PortStatsResult stats, TextWriter output)
    {
        var table = new TextTable("port", "queue", "rx_packets", "rx_bytes", "rx_drops", "rx_errors", "tx_packets", "tx_bytes", "tx_drops", "tx_errors");
        foreach (PortStatsInfo p in stats.Ports)
        {
            table.Add([p.Name, "all", .. Cells(p.Rx), .. Cells(p.Tx)]);
            foreach (QueueCounters q in p.Queues ?? [])
            {
                table.Add([p.Name, Num(q.Queue), .. Cells(q.Rx), .. Cells(q.Tx)]);
            }
        }
        table.WriteTo(output);
        foreach (PortStatsInfo p in stats.Ports)
        {
            PrintDrops(output, p.Name, "rx", p.Rx);
            PrintDrops(output, p.Name, "tx", p.Tx);
        }
    }

    private static void PrintDrops(TextWriter output, string port, string direction, TrafficCounters c)
    {
        if (c.DropsByReason.Count > 0)
        {
            output.WriteLine($"{port} {direction} drops: " +
                string.Join(", ", c.DropsByReason.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={Num(kv.Value)}")));
        }
    }

    private static string[] Cells(TrafficCounters c) => [Num(c.Packets), Num(c.Bytes), Num(c.Drops), Num(c.Errors)];

    private static void Print(PortStatusResult s, TextWriter output)
    {
        output.WriteLine($"port {s.Name} ({s.Type}, ofport {Num(s.OfPort)})");
        output.WriteLine($"  state: {s.State}{(s.Connection is null ? "" : " (" + s.Connection + ")")}");
        if (s.Socket is not null)
        {
            output.WriteLine($"  socket: {s.Socket}");
        }
        output.WriteLine($"  mtu: {(s.Mtu is int m ? Num(m) : "-")}  queue pairs: {Num(s.QueuePairs)}");
        foreach (PortDetail d in s.Details ?? [])
        {
            output.WriteLine($"  {d.Key}: {d.Value}");
        }
        if (s.Details is null || s.VirtioFeatures is not null || s.Type.StartsWith("vhostuser", StringComparison.Ordinal))
        {
            output.WriteLine($"  virtio features: {s.VirtioFeatures ?? "-"} {string.Join(' ', s.VirtioFeatureNames)}".TrimEnd());
            output.WriteLine($"  protocol features: {s.ProtocolFeatures ?? "-"} {string.Join(' ', s.ProtocolFeatureNames)}".TrimEnd());
        }
        if (s.Vrings.Length > 0)
        {
            var table = new TextTable("ring", "size", "enabled", "started", "broken", "next_avail", "next_used", "set_base", "get_base");
            foreach (VringInfo v in s.Vrings)
            {
                table.Add(Num(v.Index), Num(v.Size), Yes(v.Enabled), Yes(v.Started), v.BrokenReason ?? Yes(v.Broken), Num(v.NextAvail), Num(v.NextUsed),
                    v.LastSetBase is long set ? Num(set) : "-", v.LastGetBase is long got ? Num(got) : "-");
            }
            table.WriteTo(output, "  ");
        }
        output.WriteLine($"  last error: {s.LastError ?? "none"}");
    }

    private static string Yes(bool b) => b ? "yes" : "no";

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);
}
