using System.CommandLine;
using VSwitch.Rpc.Messages;

namespace VSwitch.Cli;

/// <summary>
/// The port settings add-port and set-port share: --socket and friends, --ifname, --queues, --ofport, --tag, --trunks,
/// --mtu, -o KEY=VALUE. A type-specific flag is only a shorthand for its -o KEY=VALUE; the daemon's port type says
/// which keys it knows.
/// </summary>
internal sealed class PortSettingOptions
{
    public Option<string?> Socket { get; } = new("--socket")
    {
        Description = "vhost-user socket path (vhostuser: default RUN_DIR/NAME.sock; vhostuserclient: required)",
        HelpName = "PATH",
    };

    public Option<string?> SocketMode { get; } = new("--socket-mode")
    {
        Description = "Octal mode of a server socket (default 0660)",
        HelpName = "MODE",
    };

    public Option<string?> SocketOwner { get; } = new("--socket-owner") { Description = "Owner (user name or uid) of a server socket", HelpName = "USER" };

    public Option<string?> SocketGroup { get; } = new("--socket-group") { Description = "Group (name or gid) of a server socket", HelpName = "GROUP" };

    public Option<string?> IfName { get; } = new("--ifname")
    {
        Description = "tap: the Linux interface to create or attach to (default: the port name; at most 15 bytes)",
        HelpName = "IF",
    };

    public Option<int?> Queues { get; } = new("--queues") { Description = "tap: number of queues (1..16; more than 1 makes a multi_queue tap)", HelpName = "N" };

    public Option<int?> OfPort { get; } = new("--ofport") { Description = "OpenFlow port number (default: the lowest free one)", HelpName = "N" };

    public Option<int?> Tag { get; } = new("--tag") { Description = "Access VLAN: untagged frames from the port get this VLAN", HelpName = "VLAN" };

    public Option<string?> Trunks { get; } = new("--trunks") { Description = "VLANs a trunk port carries, e.g. 10,20-30", HelpName = "LIST" };

    public Option<int?> Mtu { get; } = new("--mtu") { Description = "Requested MTU in bytes", HelpName = "N" };

    public Option<string[]> Options { get; } = new("--option", "-o")
    {
        Description = "A type-specific option KEY=VALUE (repeatable)",
        HelpName = "KEY=VALUE",
        AllowMultipleArgumentsPerToken = false,
    };

    public void AddTo(Command command)
    {
        command.Add(Socket);
        command.Add(SocketMode);
        command.Add(SocketOwner);
        command.Add(SocketGroup);
        command.Add(IfName);
        command.Add(Queues);
        command.Add(OfPort);
        command.Add(Tag);
        command.Add(Trunks);
        command.Add(Mtu);
        command.Add(Options);
    }

    /// <summary>The settings given on the command line; a relative socket path is made absolute here, where the user's directory is known.</summary>
    public PortSettings Read(ParseResult parse)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string item in parse.GetValue(Options) ?? [])
        {
            int eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new CliUsageException($"option '{item}' is not KEY=VALUE");
            }
            options[item[..eq]] = item[(eq + 1)..];
        }
        if (parse.GetValue(Socket) is string socket)
        {
            options["socket"] = Path.GetFullPath(socket);
        }
        AddIfSet(options, "socket-mode", parse.GetValue(SocketMode));
        AddIfSet(options, "socket-owner", parse.GetValue(SocketOwner));
        AddIfSet(options, "socket-group", parse.GetValue(SocketGroup));
        AddIfSet(options, "ifname", parse.GetValue(IfName));
        AddIfSet(options, "queues", parse.GetValue(Queues)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new PortSettings(parse.GetValue(OfPort), parse.GetValue(Tag), parse.GetValue(Trunks), parse.GetValue(Mtu),
            options.Count == 0 ? null : options);
    }

    private static void AddIfSet(Dictionary<string, string> options, string key, string? value)
    {
        if (value is not null)
        {
            options[key] = value;
        }
    }
}
