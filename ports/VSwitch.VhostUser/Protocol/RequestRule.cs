namespace VSwitch.VhostUser.Protocol;

/// <summary>
/// What one request may carry: payload size range and fd count range, and whether it has its own reply (so REPLY_ACK
/// adds nothing). Checked by <see cref="MessageReader"/> before any handler runs (rust-vmm <c>VhostUserMsgValidator</c>).
/// </summary>
/// <param name="MinSize">Smallest payload in bytes.</param>
/// <param name="MaxSize">Largest payload in bytes.</param>
/// <param name="MinFds">Fewest fds.</param>
/// <param name="MaxFds">Most fds.</param>
/// <param name="HasOwnReply">The request always gets a reply with its own payload.</param>
/// <param name="Supported">The back-end implements the request; unsupported ones get an error reply when one is asked for.</param>
public readonly record struct RequestRule(int MinSize, int MaxSize, int MinFds, int MaxFds, bool HasOwnReply, bool Supported)
{
    /// <summary>A fixed-size request.</summary>
    public static RequestRule Fixed(int size, int minFds = 0, int maxFds = 0, bool reply = false) =>
        new(size, size, minFds, maxFds, reply, true);

    /// <summary>The rule for <paramref name="request"/>; unknown and unsupported requests take any size and fds up to the limits.</summary>
    public static RequestRule For(FrontendRequest request) => request switch
    {
        FrontendRequest.GetFeatures => Fixed(0, reply: true),
        FrontendRequest.SetFeatures => Fixed(sizeof(ulong)),
        FrontendRequest.SetOwner => Fixed(0),
        FrontendRequest.ResetOwner => Fixed(0),
        FrontendRequest.SetMemTable => new(
            Messages.MemoryTableHeader.Size + Messages.MemoryRegion.Size,
            Messages.MemoryTableHeader.Size + (Messages.MemoryTableHeader.MaxRegions * Messages.MemoryRegion.Size),
            1, Messages.MemoryTableHeader.MaxRegions, false, true),
        FrontendRequest.SetLogBase => Fixed(Messages.LogPayload.Size, 1, 1, reply: true),
        FrontendRequest.SetLogFd => Fixed(0, 1, 1),
        FrontendRequest.SetVringNum => Fixed(Messages.VringState.Size),
        FrontendRequest.SetVringAddr => Fixed(Messages.VringAddr.Size),
        FrontendRequest.SetVringBase => Fixed(Messages.VringState.Size),
        FrontendRequest.GetVringBase => Fixed(Messages.VringState.Size, reply: true),
        FrontendRequest.SetVringKick => Fixed(sizeof(ulong), 0, 1),
        FrontendRequest.SetVringCall => Fixed(sizeof(ulong), 0, 1),
        FrontendRequest.SetVringErr => Fixed(sizeof(ulong), 0, 1),
        FrontendRequest.GetProtocolFeatures => Fixed(0, reply: true),
        FrontendRequest.SetProtocolFeatures => Fixed(sizeof(ulong)),
        FrontendRequest.GetQueueNum => Fixed(0, reply: true),
        FrontendRequest.SetVringEnable => Fixed(Messages.VringState.Size),
        FrontendRequest.SendRarp => Fixed(sizeof(ulong)),
        FrontendRequest.NetSetMtu => Fixed(sizeof(ulong)),
        FrontendRequest.SetBackendReqFd => Fixed(0, 1, 1),
        FrontendRequest.GetMaxMemSlots => Fixed(0, reply: true),
        FrontendRequest.AddMemReg => Fixed(Messages.SingleMemoryRegion.Size, 1, 1),
        // vhost-user spec, REM_MEM_REG: "the back-end MAY accept messages with one file descriptor" (and must close it).
        FrontendRequest.RemMemReg => Fixed(Messages.SingleMemoryRegion.Size, 0, 1),
        FrontendRequest.SetStatus => Fixed(sizeof(ulong)),
        FrontendRequest.GetStatus => Fixed(0, reply: true),
        _ => new(0, MessageReader.MaxPayload, 0, MessageReader.MaxFds, false, false),
    };

    /// <summary>True when a payload of <paramref name="size"/> bytes is in range.</summary>
    public bool SizeFits(int size) => size >= MinSize && size <= MaxSize;

    /// <summary>True when <paramref name="fds"/> is in range.</summary>
    public bool FdsFit(int fds) => fds >= MinFds && fds <= MaxFds;
}
