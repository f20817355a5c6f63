using System.CommandLine;
using System.Globalization;
using VSwitch.Rpc.Messages;

namespace VSwitch.Cli;

/// <summary>
/// The port settings add-port and set-port share: --socket and friends, --ifname, --queues, --offloads (tap), --iface and
/// the rx/tx files (pcap), --remote-ip and friends (vxlan), --ofport, --tag, --trunks,
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

    public Option<string?> Iface { get; } = new("--iface") { Description = "pcap: live network interface to capture on and inject into", HelpName = "IF" };

    public Option<string?> RxFile { get; } = new("--rx-file")
    {
        Description = "pcap: capture file (pcap or pcapng) replayed into the switch",
        HelpName = "PATH",
    };

    public Option<double?> RxRate { get; } = new("--rx-rate")
    {
        Description = "pcap: replay rate in frames per second (default: as fast as the switch takes them)",
        HelpName = "PPS",
    };

    public Option<bool> RxLoop { get; } = new("--rx-loop") { Description = "pcap: replay the rx file again and again" };

    public Option<string?> TxFile { get; } = new("--tx-file")
    {
        Description = "pcap: pcap file recording every frame the switch sends to the port",
        HelpName = "PATH",
    };
    public Option<string?> IfName { get; } = new("--ifname")
    {
        Description = "tap: the Linux interface to create or attach to (default: the port name; at most 15 bytes)",
        HelpName = "IF",
    };

    public Option<int?> Queues { get; } = new("--queues") { Description = "tap: number of queues (1..16; more than 1 makes a multi_queue tap)", HelpName = "N" };

    public Option<string?> Offloads { get; } = new("--offloads")
    {
        Description = "tap: checksum and TCP segmentation offload with the kernel, on (default) or off",
        HelpName = "on|off",
    };

    public Option<string?> RemoteIp { get; } = new("--remote-ip")
    {
        Description = "vxlan: the remote VTEP's IPv4 address (the other host's underlay address)",
        HelpName = "IP",
    };

    public Option<string?> LocalIp { get; } = new("--local-ip")
    {
        Description = "vxlan: the local IPv4 address to send from and receive on (default: any; the route picks the source)",
        HelpName = "IP",
    };

    public Option<string?> Key { get; } = new("--key")
    {
        Description = "vxlan: the VNI, 0..16777215 (default 0)",
        HelpName = "VNI",
    };

    public Option<int?> DstPort { get; } = new("--dst-port") { Description = "vxlan: the UDP port to send to and receive on (default 4789)", HelpName = "PORT" };

    public Option<string?> Df { get; } = new("--df")
    {
        Description = "vxlan: set don't-fragment on the outer IP header, true (default) or false",
        HelpName = "true|false",
    };

    public Option<string?> Coalesce { get; } = new("--coalesce")
    {
        Description = "vxlan: put received runs of inner TCP segments back together into super-frames (software GRO), true (default) or false",
        HelpName = "true|false",
    };

    public Option<int?> Ttl { get; } = new("--ttl") { Description = "vxlan: the outer IP header's TTL, 1..255 (default 64)", HelpName = "N" };

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
        command.Add(Iface);
        command.Add(RxFile);
        command.Add(RxRate);
        command.Add(RxLoop);
        command.Add(TxFile);
        command.Add(IfName);
        command.Add(Queues);
        command.Add(Offloads);
        command.Add(RemoteIp);
        command.Add(LocalIp);
        command.Add(Key);
        command.Add(DstPort);
        command.Add(Df);
        command.Add(Coalesce);
        command.Add(Ttl);
        command.Add(OfPort);
        command.Add(Tag);
        command.Add(Trunks);
        command.Add(Mtu);
        command.Add(Options);
    }

    /// <summary>The settings given on the command line; a relative socket or capture file path is made absolute here, where the user's directory is known.</summary>
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
        AddIfSet(options, "iface", parse.GetValue(Iface));
        if (parse.GetValue(RxFile) is string rxFile)
        {
            options["rx-file"] = Path.GetFullPath(rxFile);
        }
        if (parse.GetValue(RxRate) is double rate)
        {
            options["rx-rate"] = rate.ToString("R", CultureInfo.InvariantCulture);
        }
        if (parse.GetValue(RxLoop))
        {
            options["rx-loop"] = "true";
        }
        if (parse.GetValue(TxFile) is string txFile)
        {
            options["tx-file"] = Path.GetFullPath(txFile);
        }
        AddIfSet(options, "ifname", parse.GetValue(IfName));
        AddIfSet(options, "queues", parse.GetValue(Queues)?.ToString(CultureInfo.InvariantCulture));
        AddIfSet(options, "offloads", parse.GetValue(Offloads));
        AddIfSet(options, "remote-ip", parse.GetValue(RemoteIp));
        AddIfSet(options, "local-ip", parse.GetValue(LocalIp));
        AddIfSet(options, "key", parse.GetValue(Key));
        AddIfSet(options, "dst-port", parse.GetValue(DstPort)?.ToString(CultureInfo.InvariantCulture));
        AddIfSet(options, "df", parse.GetValue(Df));
        AddIfSet(options, "coalesce", parse.GetValue(Coalesce));
        AddIfSet(options, "ttl", parse.GetValue(Ttl)?.ToString(CultureInfo.InvariantCulture));
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
