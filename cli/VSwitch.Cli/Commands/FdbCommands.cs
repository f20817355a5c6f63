using System.CommandLine;
using System.Globalization;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;

namespace VSwitch.Cli.Commands;

/// <summary>fdb-show, fdb-flush and set.</summary>
internal static class FdbCommands
{
    public static Command FdbShow(GlobalOptions g)
    {
        var command = new Command("fdb-show", "Show the MAC learning table");
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.FdbShow, () => null,
            (result, output) =>
            {
                FdbShowResult fdb = RpcClient.ReadResult(result, RpcJsonContext.Default.FdbShowResult);
                var table = new TextTable("port", "VLAN", "MAC", "Age");
                foreach (FdbEntryInfo e in fdb.Entries)
                {
                    table.Add(e.Port ?? Num(e.OfPort), Num(e.Vlan), e.Mac, Num(e.AgeSeconds));
                }
                table.WriteTo(output, " ");
                if (fdb.Stats is { } s)
                {
                    // The figures of OVS fdb/stats-show, under the table.
                    output.WriteLine($"entries: {Num(s.Entries)}/{Num(s.MaxEntries)}  learned: {Num(s.Learned)}  moved: {Num(s.Moved)}  "
                        + $"evicted: {Num(s.Evicted)}  expired: {Num(s.Expired)}  multicast sources refused: {Num(s.RefusedMulticast)}");
                }
            }, ct));
        return command;
    }

    public static Command FdbFlush(GlobalOptions g)
    {
        var port = new Argument<string?>("PORT") { Description = "Only MACs learned on this port (name or number)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("fdb-flush", "Forget learned MACs") { port };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.FdbFlush,
            () => CliRunner.Params(new FdbFlushParams(parse.GetValue(port)), RpcJsonContext.Default.FdbFlushParams), null, ct));
        return command;
    }

    public static Command Set(GlobalOptions g)
    {
        var pairs = new Argument<string[]>("KEY=VALUE")
        {
            Description = "mac-aging-time=SECONDS, mac-table-size=N, pmd-mode=adaptive|busy",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("set", "Change switch settings") { pairs };
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.Set,
            () => CliRunner.Params(new SetParams(ParsePairs(parse.GetValue(pairs)!)), RpcJsonContext.Default.SetParams), null, ct));
        return command;
    }

    private static Dictionary<string, string> ParsePairs(string[] items)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string item in items)
        {
            int eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new CliUsageException($"'{item}' is not KEY=VALUE");
            }
            result[item[..eq]] = item[(eq + 1)..];
        }
        return result;
    }

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);
}
