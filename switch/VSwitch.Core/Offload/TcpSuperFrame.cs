namespace VSwitch.Core.Offload;

/// <summary>
/// Where the headers of a TCP super-frame are, as <see cref="TcpSegmenter.TryParse"/> found them in the frame itself
/// (the sender's hdr_len is only a hint). Offsets count from the first byte of the Ethernet header. Plain data; valid
/// only for the frame it was parsed from, while that frame is unchanged.
/// </summary>
public readonly record struct TcpSuperFrame
{
    /// <summary>Offset of the IP header (after the Ethernet header and up to two VLAN tags).</summary>
    public int L3 { get; init; }

    /// <summary>Offset of the TCP header.</summary>
    public int L4 { get; init; }

    /// <summary>Bytes of Ethernet, VLAN, IP and TCP headers (options included) copied in front of every segment.</summary>
    public int HeaderBytes { get; init; }

    /// <summary>TCP payload bytes of the whole super-frame (up to the IP datagram's end; Ethernet padding excluded).</summary>
    public int PayloadBytes { get; init; }

    /// <summary>Payload bytes per segment (the sender's gso_size); the last segment may carry fewer.</summary>
    public int SegmentPayload { get; init; }

    /// <summary>True for IPv6, false for IPv4.</summary>
    public bool IsIpv6 { get; init; }

    /// <summary>Number of segments the super-frame becomes (1 when its payload fits one segment).</summary>
    public int SegmentCount => PayloadBytes <= SegmentPayload ? 1 : (PayloadBytes + SegmentPayload - 1) / SegmentPayload;

    /// <summary>Bytes of the largest segment (the first).</summary>
    public int LargestSegment => HeaderBytes + Math.Min(PayloadBytes, SegmentPayload);
}
