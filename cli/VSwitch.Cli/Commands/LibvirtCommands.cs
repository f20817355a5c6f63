using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;

namespace VSwitch.Cli.Commands;

/// <summary>
/// libvirt-xml: the <c>&lt;interface&gt;</c> element a libvirt domain needs to use a vhost-user port. libvirt names the
/// sides from QEMU's point of view, so a <c>vhostuser</c> port (the switch listens) is <c>mode='client'</c>, with a
/// reconnect interval so QEMU finds the switch again after a restart, and a <c>vhostuserclient</c> port (the switch
/// connects) is <c>mode='server'</c>. The port's MTU, when set, becomes <c>&lt;mtu&gt;</c> (QEMU's host_mtu). A user
/// alias <c>ua-NAME</c> makes QEMU's device id the port's name, so <c>&lt;qemu:override&gt;</c> and QEMU's monitor
/// can name the NIC. The element is built with System.Xml.Linq, so paths are escaped.
/// </summary>
internal static partial class LibvirtCommands
{
    /// <summary>Seconds between QEMU's attempts to reach a restarted switch (libvirt's &lt;reconnect timeout&gt;).</summary>
    public const int ReconnectSeconds = 1;

    public static Command LibvirtXml(GlobalOptions g)
    {
        var name = new Argument<string>("PORT") { Description = "A vhostuser or vhostuserclient port" };
        var mac = new Option<string?>("--mac") { Description = "Also set the NIC's MAC address (default: libvirt picks one)", HelpName = "MAC" };
        var queues = new Option<int?>("--queues") { Description = "Queue pairs of the NIC (<driver queues>); give the guest as many vCPUs", HelpName = "N" };
        var command = new Command("libvirt-xml", "Print the libvirt <interface> element that connects a domain's NIC to a vhost-user port")
        {
            name, mac, queues,
        };
        mac.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is string m && !MacRegex().IsMatch(m))
            {
                r.AddError("--mac must be a MAC address such as 52:54:00:12:34:56");
            }
        });
        queues.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1 or > 256)
            {
                r.AddError("--queues must be 1..256");
            }
        });
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, g, RpcMethods.Show, () => null,
            (result, output) =>
            {
                PortInfo port = Find(RpcClient.ReadResult(result, RpcJsonContext.Default.ShowResult), parse.GetValue(name)!);
                output.WriteLine(Interface(port, parse.GetValue(mac), parse.GetValue(queues)).ToString());
            }, ct, json: result =>
            {
                PortInfo port = Find(RpcClient.ReadResult(result, RpcJsonContext.Default.ShowResult), parse.GetValue(name)!);
                var node = new JsonObject { ["port"] = port.Name, ["xml"] = Interface(port, parse.GetValue(mac), parse.GetValue(queues)).ToString() };
                using JsonDocument document = JsonDocument.Parse(node.ToJsonString());
                return document.RootElement.Clone();
            }));
        return command;
    }

    /// <summary>The &lt;interface&gt; element for <paramref name="port"/>.</summary>
    /// <exception cref="CliUsageException">The port is not a vhost-user port.</exception>
    public static XElement Interface(PortInfo port, string? mac, int? queues)
    {
        ArgumentNullException.ThrowIfNull(port);
        string mode = port.Type switch
        {
            "vhostuser" => "client",
            "vhostuserclient" => "server",
            _ => throw new CliUsageException($"port '{port.Name}' is a {port.Type} port; libvirt-xml is for vhostuser and vhostuserclient ports"),
        };
        string socket = port.Socket ?? throw new CliUsageException($"port '{port.Name}' has no socket");
        var source = new XElement("source", new XAttribute("type", "unix"), new XAttribute("path", socket), new XAttribute("mode", mode));
        if (mode == "client")
        {
            source.Add(new XElement("reconnect", new XAttribute("enabled", "yes"), new XAttribute("timeout", ReconnectSeconds)));
        }
        var element = new XElement("interface", new XAttribute("type", "vhostuser"));
        if (mac is not null)
        {
            element.Add(new XElement("mac", new XAttribute("address", mac.ToLowerInvariant())));
        }
        element.Add(source, new XElement("model", new XAttribute("type", "virtio")));
        if (queues is int q)
        {
            element.Add(new XElement("driver", new XAttribute("queues", q)));
        }
        if (port.Mtu is int mtu)
        {
            element.Add(new XElement("mtu", new XAttribute("size", mtu)));
        }
        // libvirt user aliases: "ua-" then letters, digits, '_' and '-'; a port name with '.' gets none.
        if (AliasRegex().IsMatch(port.Name))
        {
            element.Add(new XElement("alias", new XAttribute("name", "ua-" + port.Name)));
        }
        return element;
    }

    private static PortInfo Find(ShowResult show, string name) =>
        Array.Find(show.Ports, p => p.Name == name) ?? throw new RpcException(RpcErrorCodes.NotFound, $"no port named '{name}'");

    [GeneratedRegex("^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")]
    private static partial Regex MacRegex();

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex AliasRegex();
}
