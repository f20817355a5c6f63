using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace VSwitch.Ports.Vxlan;

/// <summary>
/// What a <see cref="VxlanPort"/> is opened with. Addresses are IPv4 in host byte order. Immutable.
/// </summary>
public sealed record VxlanPortOptions
{
    /// <summary>Default hop limit of the outer IPv4 header (as the Linux vxlan device's "ttl auto" gives on most hosts).</summary>
    public const byte DefaultTtl = 64;

    /// <summary>Default number of sending sockets, that is of distinct outer UDP source ports per port.</summary>
    public const int DefaultSourcePorts = 8;

    /// <summary>Most sending sockets a port may have.</summary>
    public const int MaxSourcePorts = 64;

    /// <summary>Most transmit queues a port may have.</summary>
    public const int MaxTxQueues = 128;

    /// <summary>The port's name.</summary>
    public required string Name { get; init; }

    /// <summary>The remote VTEP's address, or null for a flow-based remote (<c>remote_ip=flow</c>: taken from each packet's tunnel metadata).</summary>
    public uint? RemoteIp { get; init; }

    /// <summary>The local address to send from and receive on; 0 for any (the kernel picks the source by route).</summary>
    public uint LocalIp { get; init; }

    /// <summary>The VNI sent and accepted, or null for a flow-based key (<c>key=flow</c>).</summary>
    public uint? Vni { get; init; } = 0;

    /// <summary>The UDP destination port, on which the port also receives.</summary>
    public ushort DstPort { get; init; } = VxlanHeader.DefaultPort;

    /// <summary>Set don't-fragment on the outer header (default; RFC 7348 §4.3: VTEPs MUST NOT fragment).</summary>
    public bool DontFragment { get; init; } = true;

    /// <summary>The outer header's TTL.</summary>
    public byte Ttl { get; init; } = DefaultTtl;

    /// <summary>The overlay MTU (the largest inner IP packet), or null for the underlay path MTU less 50 (1450 on 1500).</summary>
    public int? Mtu { get; init; }

    /// <summary>Sending sockets (1..<see cref="MaxSourcePorts"/>), each with its own ephemeral source port.</summary>
    public int SourcePorts { get; init; } = DefaultSourcePorts;

    /// <summary>
    /// Put runs of consecutive inner TCP segments that arrive in one <c>UDP_GRO</c> read back together into TSO
    /// super-frames (software GRO; default). Off, every inner frame is handed to the datapath as it came.
    /// </summary>
    public bool Coalesce { get; init; } = true;

    /// <summary>
    /// Transmit queues (1..<see cref="MaxTxQueues"/>), each with its own send scratch (about 7 KiB), all on the same
    /// sockets. Give one per thread that sends, so that no sender waits for another: vswitchd opens its ports with one
    /// per datapath thread plus one for the control thread's packet-out. A caller beyond the count shares a queue
    /// (<c>queue % TxQueues</c>) and is serialised with its other sender.
    /// </summary>
    public int TxQueues { get; init; } = 1;

    /// <summary>Receive buffers of the shared socket (64 KiB each: one coalesced datagram); also the largest recvmmsg batch.</summary>
    public int ReceiveSlots { get; init; } = 32;

    /// <summary>Parses a dotted-quad IPv4 address into host byte order; false for anything else (IPv6 included).</summary>
    public static bool TryParseIpv4(string? text, out uint address)
    {
        address = 0;
        if (text is null || !IPAddress.TryParse(text, out IPAddress? ip) || ip.AddressFamily != AddressFamily.InterNetwork
            || text.Count(c => c == '.') != 3)
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[4];
        ip.TryWriteBytes(bytes, out _);
        address = (uint)((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]);
        return true;
    }

    /// <summary>Dotted-quad text of a host-order IPv4 address.</summary>
    public static string FormatIpv4(uint address) =>
        string.Create(CultureInfo.InvariantCulture, $"{address >> 24}.{(address >> 16) & 0xff}.{(address >> 8) & 0xff}.{address & 0xff}");
}
