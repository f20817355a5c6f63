namespace VSwitch.Ports.Tap;

/// <summary>What a <see cref="TapPort"/> is opened with. Immutable.</summary>
public sealed record TapPortOptions
{
    /// <summary>Longest interface name: IFNAMSIZ is 16 bytes including the terminating NUL (netdevice(7)).</summary>
    public const int MaxIfNameBytes = 15;

    /// <summary>Most queues (fds) of a multi-queue tap that this port opens.</summary>
    public const int MaxQueues = 16;

    /// <summary>The port's name (for counters and messages).</summary>
    public required string Name { get; init; }

    /// <summary>The Linux interface to create or attach to.</summary>
    public required string IfName { get; init; }

    /// <summary>Queues: one fd each; more than one opens the tap with IFF_MULTI_QUEUE.</summary>
    public int Queues { get; init; } = 1;

    /// <summary>MTU to set on the interface, or null to leave it as it is (1500 for a new tap).</summary>
    public int? Mtu { get; init; }

    /// <summary>
    /// Checksum and segmentation offload with the kernel (TUNSETOFFLOAD with TUN_F_CSUM, TSO4, TSO6 and TSO_ECN): the
    /// kernel hands over TCP super-frames of up to 64 KiB and frames with a pending checksum, and takes them back the
    /// same way. On by default; off makes the kernel finish checksums and segment before every read, and the switch
    /// finish them before every write.
    /// </summary>
    public bool Offloads { get; init; } = true;

    /// <summary>
    /// Packet buffers per receive queue, or null for the default: 512 buffers sized for the MTU without offloads,
    /// 256 buffers sized for a 64 KiB super-frame with them (about 16 MiB per queue).
    /// </summary>
    public int? PoolSize { get; init; }

    /// <summary>Null when <paramref name="ifName"/> can name a Linux interface, else why not (the kernel's dev_valid_name rule).</summary>
    public static string? CheckIfName(string? ifName)
    {
        if (string.IsNullOrEmpty(ifName))
        {
            return "interface name is empty";
        }
        if (System.Text.Encoding.UTF8.GetByteCount(ifName) > MaxIfNameBytes)
        {
            return $"interface name '{ifName}' is longer than {MaxIfNameBytes} bytes";
        }
        if (ifName is "." or "..")
        {
            return $"interface name '{ifName}' is not allowed";
        }
        foreach (char c in ifName)
        {
            if (c is '/' or ':' or '\0' || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return $"interface name '{ifName}' contains '/', ':', a space or a control character";
            }
        }
        return null;
    }
}
