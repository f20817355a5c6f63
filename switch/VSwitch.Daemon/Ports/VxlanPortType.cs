using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Logging;
using VSwitch.Control;
using VSwitch.Control.Model;
using VSwitch.Control.Ports;
using VSwitch.Control.Runtime;
using VSwitch.Core.Ports;
using VSwitch.Ports.Vxlan;

namespace VSwitch.Daemon.Ports;

/// <summary>
/// The <c>vxlan</c> port type, all of it in this one place: <c>remote-ip</c> (required: the remote VTEP's IPv4 address),
/// <c>local-ip</c> (the address to send from and receive on; default any), <c>key</c> (the VNI, 0..16777215; default 0), <c>dst-port</c> (default 4789), <c>df</c> (don't-fragment, default true),
/// <c>ttl</c> (1..255, default 64) and <c>src-ports</c> (how many outer UDP source ports a port spreads its flows over,
/// 1..64, default 8) and <c>coalesce</c> (put received runs of inner TCP segments back together into super-frames,
/// default true); OVS's spellings (<c>remote_ip</c>, <c>local_ip</c>, <c>dst_port</c>, <c>df_default</c>) are
/// accepted too. The MTU is the port's generic <c>mtu</c>, the overlay MTU (default: the route's MTU less 50, so 1450
/// on a 1500-byte underlay). Every port of the type shares the receive sockets in one <see cref="VxlanEndpoints"/>,
/// and every one is in the tunnel split-horizon group, so NORMAL never forwards from one tunnel into another.
/// Flow-based tunnels as in OVS: <c>remote-ip=flow</c> sends each packet to its <c>tun_dst</c> (set by a flow's
/// <c>set_field:IP-&gt;tun_dst</c>) and receives from any remote; <c>key=flow</c> sends each packet's <c>tun_id</c> as its
/// VNI and receives any VNI. Every vxlan port sets tun_id, tun_src and tun_dst on what it receives.
/// Each port gets one transmit queue per sending thread (the type's <c>transmitQueues</c>), so datapath threads that
/// send into the same tunnel never wait for each other. Control thread only.
/// </summary>
public sealed class VxlanPortType : IPortType
{
    /// <summary>The type name.</summary>
    public const string TypeName = "vxlan";

    /// <summary>The split-horizon group of tunnel ports.</summary>
    public const int TunnelGroup = 1;

    /// <summary>Option keys.</summary>
    public const string RemoteIp = "remote-ip", LocalIp = "local-ip", Key = "key", DstPort = "dst-port", Df = "df", Ttl = "ttl",
        SourcePorts = "src-ports", Coalesce = "coalesce";

    /// <summary>The value of <c>remote-ip</c> or <c>key</c> that takes it from each packet's tunnel metadata.</summary>
    public const string Flow = "flow";

    private static readonly string[] s_keys = [RemoteIp, LocalIp, Key, DstPort, Df, Ttl, SourcePorts, Coalesce];

    private static readonly Dictionary<string, string> s_ovsNames = new(StringComparer.Ordinal)
    {
        ["remote_ip"] = RemoteIp,
        ["local_ip"] = LocalIp,
        ["dst_port"] = DstPort,
        ["df_default"] = Df,
    };

    private readonly ILogger _log;
    private readonly VxlanEndpoints _endpoints = new();
    private readonly int _transmitQueues;

    /// <summary>
    /// The type; it logs what it creates through <paramref name="loggers"/>, and opens each port with
    /// <paramref name="transmitQueues"/> transmit queues: one for every thread that may send (the datapath threads and
    /// the control thread's packet-out, whose transmit index is one past theirs).
    /// </summary>
    public VxlanPortType(ILoggerFactory loggers, int transmitQueues)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        ArgumentOutOfRangeException.ThrowIfLessThan(transmitQueues, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(transmitQueues, VxlanPortOptions.MaxTxQueues);
        _log = loggers.CreateLogger("vxlan");
        _transmitQueues = transmitQueues;
    }

    /// <inheritdoc/>
    public string Type => TypeName;

    /// <inheritdoc/>
    public string Description => "VXLAN tunnel to another host's switch (--remote-ip IP|flow [--key VNI|flow] [--local-ip IP] [--dst-port 4789])";

    /// <inheritdoc/>
    public int SplitHorizonGroup(PortConfig port) => TunnelGroup;

    /// <inheritdoc/>
    public ImmutableSortedDictionary<string, string> NormalizeOptions(string portName, IReadOnlyDictionary<string, string> options,
        PortTypeContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string name, string value) in options)
        {
            renamed[s_ovsNames.GetValueOrDefault(name, name)] = value;
        }
        var result = PortOptions.CopyKnown(TypeName, renamed, s_keys);
        if (!result.TryGetValue(RemoteIp, out string? remote))
        {
            throw ControlException.Invalid("a vxlan port needs remote-ip (--remote-ip IP)");
        }
        string key = result.GetValueOrDefault(Key) ?? "0";
        result[RemoteIp] = remote == Flow ? Flow : Ipv4(RemoteIp, remote);
        if (result.TryGetValue(LocalIp, out string? local))
        {
            result[LocalIp] = Ipv4(LocalIp, local);
        }
        result[Key] = key == Flow ? Flow : Number(Key, key, 0, VxlanHeader.MaxVni).ToString(CultureInfo.InvariantCulture);
        result[DstPort] = Number(DstPort, result.GetValueOrDefault(DstPort) ?? "4789", 1, 65535).ToString(CultureInfo.InvariantCulture);
        result[Ttl] = Number(Ttl, result.GetValueOrDefault(Ttl) ?? "64", 1, 255).ToString(CultureInfo.InvariantCulture);
        result[SourcePorts] = Number(SourcePorts, result.GetValueOrDefault(SourcePorts) ?? "8", 1, VxlanPortOptions.MaxSourcePorts)
            .ToString(CultureInfo.InvariantCulture);
        string df = result.GetValueOrDefault(Df) ?? "true";
        if (df is not ("true" or "false"))
        {
            throw ControlException.Invalid($"df '{df}' is not true or false");
        }
        result[Df] = df;
        string coalesce = result.GetValueOrDefault(Coalesce) ?? "true";
        if (coalesce is not ("true" or "false"))
        {
            throw ControlException.Invalid($"coalesce '{coalesce}' is not true or false");
        }
        result[Coalesce] = coalesce;
        return result.ToImmutable();
    }

    /// <inheritdoc/>
    public string? SocketPath(PortConfig port) => null;

    /// <inheritdoc/>
    public IPort Create(PortConfig port)
    {
        ArgumentNullException.ThrowIfNull(port);
        if (port.Mtu > VxlanPort.MaxMtu)
        {
            throw ControlException.Invalid($"port '{port.Name}': mtu {port.Mtu} is above the largest a vxlan port carries ({VxlanPort.MaxMtu})");
        }
        VxlanPortOptions options;
        try
        {
            // The stored options were normalised when the port was added, but the DB is a file a user may edit.
            options = OptionsOf(port) with { TxQueues = _transmitQueues };
        }
        catch (ControlException e)
        {
            throw ControlException.Invalid($"port '{port.Name}': {e.Message}");
        }
        VxlanPort created;
        try
        {
            created = VxlanPort.Open(options, new PortId((ushort)port.OfPort), _endpoints);
        }
        catch (Exception e) when (e is IOException or ArgumentException)
        {
            throw ControlException.Invalid($"port '{port.Name}': {e.Message}");
        }
        _log.LogInformation("port {Port}: vxlan to {Remote} key {Key} on {Local}:{DstPort}, overlay MTU {Mtu}", port.Name,
            port.Option(RemoteIp), port.Option(Key), port.Option(LocalIp) ?? "any", port.Option(DstPort), created.Mtu);
        return created;
    }

    /// <summary>A vxlan port takes a new MTU in place: it only changes which frames it lets into the tunnel.</summary>
    public bool TryChangeMtu(IPort port, PortConfig next)
    {
        ArgumentNullException.ThrowIfNull(next);
        if (port is not VxlanPort vxlan || next.Mtu is not int mtu || mtu > VxlanPort.MaxMtu)
        {
            return false;
        }
        vxlan.SetMtu(mtu);
        _log.LogInformation("port {Port}: overlay MTU set to {Mtu} in place", next.Name, mtu);
        return true;
    }

    /// <inheritdoc/>
    public PortStatusReport Describe(IPort port, PortConfig config)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(config);
        if (port is not VxlanPort vxlan)
        {
            return new PortStatusReport(port.State, null, null, config.Mtu, 0, null);
        }
        VxlanPortStatus s = vxlan.GetStatus();
        VxlanPortOptions o = s.Options;
        string remote = o.RemoteIp is uint r ? VxlanPortOptions.FormatIpv4(r) : Flow;
        string key = o.Vni is uint v ? v.ToString(CultureInfo.InvariantCulture) : Flow;
        string local = o.LocalIp == 0 ? "any" : VxlanPortOptions.FormatIpv4(o.LocalIp);
        string I(long n) => n.ToString(CultureInfo.InvariantCulture);
        return new PortStatusReport(s.State, $"to {remote}:{I(o.DstPort)}, key {key}", null, s.Mtu, 1, s.LastError)
        {
            Details =
            [
                new("remote ip", remote),
                new("local ip", local),
                new("key (VNI)", key),
                new("dst port", I(o.DstPort)),
                new("df", o.DontFragment ? "true" : "false"),
                new("ttl", I(o.Ttl)),
                new("transmit queues", I(vxlan.TxQueueCount)),
                new("overlay mtu", I(s.Mtu)),
                new("underlay path mtu", s.PathMtu is int p ? I(p) : "unknown"),
                new("source ports", string.Join(",", s.SourcePorts.Select(x => I(x)))),
                new("segmentation offload (tx)", s.Gso ? "on" : "off"),
                new("receive coalescing (rx)", s.Gro ? "on" : "off"),
                new("inner TCP coalescing (rx)", s.Coalesce ? "on" : o.Coalesce ? "off (no UDP_GRO)" : "off"),
                new("super-frames built (rx)", I(s.SuperFramesBuilt)),
                new("segments coalesced (rx)", I(s.SegmentsCoalesced)),
                new("super-frames built from IPv6 (rx)", I(s.SuperFramesBuiltIpv6)),
                new("shared socket", $"{local}:{I(o.DstPort)}, ports {string.Join(",", s.EndpointPorts)}, read by {s.Poller ?? "none"}"),
                new("datagrams received on the socket", I(s.Datagrams)),
                new("socket read errors", I(s.ReceiveErrors)),
            ],
        };
    }

    private static VxlanPortOptions OptionsOf(PortConfig port)
    {
        string remote = port.Option(RemoteIp) ?? throw ControlException.Invalid("remote-ip is missing");
        string key = port.Option(Key) ?? "0";
        return new VxlanPortOptions
        {
            Name = port.Name,
            RemoteIp = remote == Flow ? null : ParseIpv4(RemoteIp, remote),
            LocalIp = port.Option(LocalIp) is string local ? ParseIpv4(LocalIp, local) : 0,
            Vni = key == Flow ? null : (uint)Number(Key, key, 0, VxlanHeader.MaxVni),
            DstPort = (ushort)Number(DstPort, port.Option(DstPort) ?? "4789", 1, 65535),
            DontFragment = port.Option(Df) != "false",
            Coalesce = port.Option(Coalesce) != "false",
            Ttl = (byte)Number(Ttl, port.Option(Ttl) ?? "64", 1, 255),
            SourcePorts = (int)Number(SourcePorts, port.Option(SourcePorts) ?? "8", 1, VxlanPortOptions.MaxSourcePorts),
            Mtu = port.Mtu,
        };
    }

    private static string Ipv4(string key, string text) => VxlanPortOptions.FormatIpv4(ParseIpv4(key, text));

    private static uint ParseIpv4(string key, string text)
    {
        if (VxlanPortOptions.TryParseIpv4(text, out uint address) && address != 0)
        {
            return address;
        }
        throw ControlException.Invalid(text.Contains(':', StringComparison.Ordinal)
            ? $"{key} '{text}': IPv6 underlays are not supported yet; give an IPv4 address"
            : $"{key} '{text}' is not an IPv4 address");
    }

    private static long Number(string key, string text, long min, long max)
    {
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n < min || n > max)
        {
            throw ControlException.Invalid($"{key} '{text}' is not a number in {min}..{max}");
        }
        return n;
    }
}
