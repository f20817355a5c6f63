using System.CommandLine;
using System.CommandLine.Invocation;
using VSwitch.Daemon;

// vswitchd: parse the command line and hand over to the composition root.
var commandLine = new DaemonCommandLine();
RootCommand root = commandLine.Create((options, _) => Vswitchd.RunAsync(options, args));
ParseResult parse = root.Parse(args);
if (parse.Action is ParseErrorAction && parse.Errors.Count > 0)
{
    Console.Error.WriteLine("vswitchd: " + string.Join(" ", parse.Errors.Select(e => e.Message)).ReplaceLineEndings(" ") + " (see 'vswitchd --help')");
    return 2;
}
// vswitchd handles SIGTERM and SIGINT itself, to stop in order.
return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
