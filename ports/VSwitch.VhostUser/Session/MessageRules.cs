using VSwitch.VhostUser.Protocol;
using VSwitch.VhostUser.Protocol.Messages;

namespace VSwitch.VhostUser.Session;

/// <summary>
/// Framing rules per request, checked before any handler runs (STYLE rule 3; rust-vmm's message validator): the exact
/// payload size (or its bounds) and how many fds may come with it.
/// </summary>
internal static class MessageRules
{
    /// <summary>Null when the header's size and the fd count fit the request; else the error.</summary>
    public static VhostUserError? Check(MessageHeader header, int fdCount)
    {
        var request = (FrontendRequest)header.Request;
        uint size = header.PayloadSize;
        (bool sizeOk, int minFds, int maxFds) = request switch
        {
            FrontendRequest.GetFeatures or FrontendRequest.GetProtocolFeatures or FrontendRequest.GetQueueNum
                or FrontendRequest.GetStatus or FrontendRequest.GetMaxMemSlots or FrontendRequest.SetOwner
                or FrontendRequest.ResetOwner => (size is 0 or 8, 0, 0),
            FrontendRequest.SetFeatures or FrontendRequest.SetProtocolFeatures or FrontendRequest.SendRarp
                or FrontendRequest.NetSetMtu or FrontendRequest.SetStatus => (size == 8, 0, 0),
            FrontendRequest.SetMemTable => (size >= MemoryTableHeader.Size + MemoryRegion.Size
                && size <= MemoryTableHeader.Size + (MemoryTableHeader.MaxRegions * MemoryRegion.Size)
                && (size - MemoryTableHeader.Size) % MemoryRegion.Size == 0, 1, MemoryTableHeader.MaxRegions),
            FrontendRequest.SetLogBase => (size == LogDescription.Size, 1, 1),
            FrontendRequest.SetLogFd or FrontendRequest.SetBackendReqFd => (size is 0 or 8, 1, 1),
            FrontendRequest.SetVringNum or FrontendRequest.SetVringBase or FrontendRequest.GetVringBase
                or FrontendRequest.SetVringEnable => (size == VringState.Size, 0, 0),
            FrontendRequest.SetVringAddr => (size == VringAddr.Size, 0, 0),
            FrontendRequest.SetVringKick or FrontendRequest.SetVringCall or FrontendRequest.SetVringErr => (size == 8, 0, 1),
            FrontendRequest.AddMemReg => (size == SingleMemoryRegion.Size, 1, 1),
            FrontendRequest.RemMemReg => (size == SingleMemoryRegion.Size, 0, 1),
            _ => (true, 0, 0),
        };
        if (!sizeOk)
        {
            return VhostUserError.InvalidPayloadSize;
        }
        return fdCount < minFds || fdCount > maxFds ? VhostUserError.InvalidFds : null;
    }
}
