using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;

namespace VSwitch.Cli.Commands;

/// <summary>capture, capture-list and capture-stop.</summary>
internal static class CaptureCommands
{
    private const int DefaultSnaplen = 65535;
    private const int MaxSnaplen = 262144;

    public static Command Capture(GlobalOptions g)
    {
        var ports = new Argument<string[]>("PORT") { Description = "Ports to capture on (each becomes one pcapng interface)", Arity = ArgumentArity.OneOrMore };
        var write = new Option<string?>("--write", "-w")
        {
            Description = "Write the capture to FILE, or to standard output with '-' (e.g. '| tshark -r -'). Default: standard "
                + "output when it is not a terminal",
            HelpName = "FILE",
        };
        var direction = new Option<string>("--direction")
        {
            Description = "Frames received from the port (rx), sent to it (tx), or both",
            DefaultValueFactory = _ => "both",
        };
        direction.AcceptOnlyFromAmong("rx", "tx", "both");
        var filter = new Option<string?>("--filter", "-f") { Description = "libpcap (tcpdump) filter expression, e.g. 'icmp' or 'tcp port 80'", HelpName = "BPF" };
        var count = new Option<long>("--count", "-c") { Description = "Stop after N frames", HelpName = "N" };
        var duration = new Option<double>("--duration") { Description = "Stop after S seconds", HelpName = "S" };
        var snaplen = new Option<int>("--snaplen", "-s")
        {
            Description = $"Bytes kept of each frame (1..{MaxSnaplen})",
            HelpName = "N",
            DefaultValueFactory = _ => DefaultSnaplen,
        };
        var format = new Option<string>("--format")
        {
            Description = "pcapng (interfaces, directions, drop reasons, statistics) or pcap (classic, microseconds; ports are "
                + "merged and directions and drop reasons are lost)",
            DefaultValueFactory = _ => "pcapng",
        };
        format.AcceptOnlyFromAmong("pcapng", "pcap");
        var drops = new Option<bool>("--drops")
        {
            Description = "Also record frames received on the ports that the switch dropped (no rule, drop flow, VLAN not allowed, "
                + "same as ingress, ...), each with its reason as a pcapng comment",
        };
        var segments = new Option<bool>("--segments")
        {
            Description = "Record TCP super-frames (segmentation offload) as the segments a port without it receives, instead of "
                + "whole (checksums are complete either way)",
        };
        var command = new Command("capture",
            "Capture frames on ports while the switch forwards. Ends on Ctrl-C, --count or --duration; the file is then complete "
            + "and a summary is printed on stderr (captured, dropped because the writer fell behind, filtered out)")
        {
            ports, write, direction, filter, count, duration, snaplen, format, drops, segments,
        };
        command.SetAction((parse, ct) =>
        {
            string? target = parse.GetValue(write);
            if (target is null && !Console.IsOutputRedirected)
            {
                return Task.FromResult(Usage(parse, "standard output is a terminal: give -w FILE, or -w - to write there anyway"));
            }
            int snap = parse.GetValue(snaplen);
            if (snap is < 1 or > MaxSnaplen)
            {
                return Task.FromResult(Usage(parse, $"--snaplen must be between 1 and {MaxSnaplen}"));
            }
            long frames = parse.GetValue(count);
            double seconds = parse.GetValue(duration);
            if (frames < 0 || seconds < 0 || !double.IsFinite(seconds))
            {
                return Task.FromResult(Usage(parse, "--count and --duration must not be negative"));
            }
            var request = new CaptureStartParams(parse.GetValue(ports)!, parse.GetValue(direction)!, parse.GetValue(filter), snap,
                parse.GetValue(format)!, frames, seconds, parse.GetValue(drops), parse.GetValue(segments));
            return CaptureClient.RunAsync(parse, g, request, target ?? "-", ct);
        });
        return command;
    }

    public static Command CaptureList(GlobalOptions g)
    {
        var command = new Command("capture-list", "Show running captures");
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.CaptureList, () => null,
            (result, output) =>
            {
                CaptureInfo[] captures = RpcClient.ReadResult(result, RpcJsonContext.Default.CaptureListResult).Captures;
                if (captures.Length == 0)
                {
                    output.WriteLine("no captures running");
                    return;
                }
                foreach (CaptureInfo c in captures)
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"capture {c.Id}: {string.Join(",", c.Ports)} {c.Direction}{(c.Drops ? "+drops" : "")} {c.Format} {c.State}{(c.Filter is null ? "" : " filter '" + c.Filter + "'")}: {Summary(c)}"));
                }
            }, ct));
        return command;
    }

    public static Command CaptureStop(GlobalOptions g)
    {
        var id = new Argument<int>("ID") { Description = "The capture's number (see capture-list)" };
        var command = new Command("capture-stop", "End a capture (its file is completed) and show its totals") { id };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.CaptureStop,
            () => CliRunner.Params(new CaptureIdParams(parse.GetValue(id)), RpcJsonContext.Default.CaptureIdParams),
            (result, output) => output.WriteLine(Summary(RpcClient.ReadResult(result, RpcJsonContext.Default.CaptureInfo))), ct));
        return command;
    }

    /// <summary>"N frames captured, M dropped (writer fell behind), K filtered out".</summary>
    public static string Summary(CaptureInfo c) => string.Create(CultureInfo.InvariantCulture,
        $"{c.Captured} frames captured, {c.Dropped} dropped (writer fell behind), {c.Filtered} filtered out");

    private static int Usage(ParseResult parse, string message)
    {
        parse.InvocationConfiguration.Error.WriteLine("vswitchctl: " + message);
        return ExitCodes.Usage;
    }

    /// <summary>Writes <paramref name="info"/> as indented JSON.</summary>
    public static void WriteJson(TextWriter output, CaptureInfo info)
    {
        output.WriteLine(JsonSerializer.Serialize(info, new RpcJsonContext(new JsonSerializerOptions(RpcJsonContext.Default.Options) { WriteIndented = true }).CaptureInfo));
    }
}
