using Microsoft.Extensions.Logging;
using VSwitch.VhostUser.Protocol;

namespace VSwitch.VhostUser.Session;

/// <summary>Every log event of the vhost-user port, as static templates that carry the port name (control threads only).</summary>
internal static partial class VhostUserLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "vhost-user port {Port}: listening on {Path}")]
    public static partial void Listening(ILogger logger, string port, string path);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "vhost-user port {Port}: cannot listen on {Path}; retrying")]
    public static partial void ListenFailed(ILogger logger, string port, string path, Exception exception);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "vhost-user port {Port}: front-end connected ({Mode}, {Path}, connection {Count})")]
    public static partial void Connected(ILogger logger, string port, VhostUserMode mode, string path, int count);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "vhost-user port {Port}: front-end disconnected ({Reason})")]
    public static partial void Disconnected(ILogger logger, string port, VhostUserError reason);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "vhost-user port {Port}: {Request} rejected: {Error}; closing the session")]
    public static partial void RequestFailed(ILogger logger, string port, Protocol.FrontendRequest request, VhostUserError error);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "vhost-user port {Port}: unsupported request {Request} ignored")]
    public static partial void UnsupportedRequest(ILogger logger, string port, Protocol.FrontendRequest request);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Information, Message = "vhost-user port {Port}: ring {Ring} started ({Layout}, size {Size}, base {Base}, enabled {Enabled})")]
    public static partial void RingStarted(ILogger logger, string port, int ring, string layout, int size, uint @base, bool enabled);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Information, Message = "vhost-user port {Port}: ring {Ring} stopped at {NextAvail}")]
    public static partial void RingStopped(ILogger logger, string port, int ring, uint nextAvail);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Warning, Message = "vhost-user port {Port}: ring {Ring} broken by the guest ({Reason}); it stays stopped until the driver resets it")]
    public static partial void RingBroken(ILogger logger, string port, int ring, string reason);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Error, Message = "vhost-user port {Port}: ring {Ring} still in use by a datapath thread after {Seconds} s; its memory and fds are left in place")]
    public static partial void QuiesceTimeout(ILogger logger, string port, int ring, double seconds);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Information, Message = "vhost-user port {Port}: guest memory set ({Regions} regions, {Bytes} bytes)")]
    public static partial void MemorySet(ILogger logger, string port, int regions, ulong bytes);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Information, Message = "vhost-user port {Port}: features acked {Features:x}, protocol features {Protocol:x}")]
    public static partial void FeaturesAcked(ILogger logger, string port, ulong features, ulong protocol);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Information, Message = "vhost-user port {Port}: SEND_RARP for {Mac}: the announcement enters the switch {When}")]
    public static partial void RarpRequested(ILogger logger, string port, string mac, string when);

    [LoggerMessage(EventId = 2025, Level = LogLevel.Information, Message = "vhost-user port {Port}: RARP announcement for {Mac} sent into the switch from this port ({Sent} so far)")]
    public static partial void RarpSent(ILogger logger, string port, string mac, long sent);

    [LoggerMessage(EventId = 2026, Level = LogLevel.Information, Message = "vhost-user port {Port}: SEND_RARP replaced an announcement not sent yet")]
    public static partial void RarpReplaced(ILogger logger, string port);

    [LoggerMessage(EventId = 2027, Level = LogLevel.Information, Message = "vhost-user port {Port}: RARP announcement dropped: the front-end left before its transmit ring ran")]
    public static partial void RarpDropped(ILogger logger, string port);

    [LoggerMessage(EventId = 2014, Level = LogLevel.Error, Message = "vhost-user port {Port}: session failed")]
    public static partial void SessionFailed(ILogger logger, string port, Exception exception);

    [LoggerMessage(EventId = 2015, Level = LogLevel.Debug, Message = "vhost-user port {Port}: no front-end at {Path} yet; retrying")]
    public static partial void ConnectRetry(ILogger logger, string port, string path);

    [LoggerMessage(EventId = 2017, Level = LogLevel.Information, Message = "vhost-user port {Port}: running ({QueuePairs} queue pairs)")]
    public static partial void Running(ILogger logger, string port, int queuePairs);

    [LoggerMessage(EventId = 2018, Level = LogLevel.Error, Message = "vhost-user port {Port}: a StateChanged handler failed on {Kind}")]
    public static partial void EventHandlerFailed(ILogger logger, string port, VhostUserPortEventKind kind, Exception exception);

    [LoggerMessage(EventId = 2016, Level = LogLevel.Information, Message = "vhost-user port {Port}: dirty log set ({Bytes} bytes, covers guest memory up to 0x{Covered:x}; guest memory ends at 0x{MemoryEnd:x}){Replaced}")]
    public static partial void LogSet(ILogger logger, string port, ulong bytes, ulong covered, ulong memoryEnd, string replaced);

    [LoggerMessage(EventId = 2028, Level = LogLevel.Information, Message = "vhost-user port {Port}: dirty logging on (LOG_ALL acked, log of {Bytes} bytes)")]
    public static partial void LoggingOn(ILogger logger, string port, ulong bytes);

    [LoggerMessage(EventId = 2029, Level = LogLevel.Information, Message = "vhost-user port {Port}: LOG_ALL acked without a dirty log; logging starts with SET_LOG_BASE")]
    public static partial void LogAllWithoutLog(ILogger logger, string port);

    [LoggerMessage(EventId = 2030, Level = LogLevel.Information, Message = "vhost-user port {Port}: dirty logging off (LOG_ALL cleared; {Pages} pages marked so far)")]
    public static partial void LoggingOff(ILogger logger, string port, long pages);

    [LoggerMessage(EventId = 2031, Level = LogLevel.Information, Message = "vhost-user port {Port}: ring {Ring}: GET_VRING_BASE hands over base {Base}")]
    public static partial void VringBaseHandedOver(ILogger logger, string port, int ring, uint @base);

    [LoggerMessage(EventId = 2032, Level = LogLevel.Information, Message = "vhost-user port {Port}: dirty logging on (log set while LOG_ALL is acked, {Bytes} bytes)")]
    public static partial void LoggingOnWithLog(ILogger logger, string port, ulong bytes);

    [LoggerMessage(EventId = 2019, Level = LogLevel.Debug, Message = "vhost-user port {Port}: {Request} ({Size} bytes, {Fds} fds, need_reply {NeedReply})")]
    public static partial void Request(ILogger logger, string port, FrontendRequest request, uint size, int fds, bool needReply);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Warning, Message = "vhost-user port {Port}: {Request} rejected: {Error}: {Detail}; closing the session")]
    public static partial void RequestRefused(ILogger logger, string port, FrontendRequest request, VhostUserError error, string detail);

    [LoggerMessage(EventId = 2022, Level = LogLevel.Error, Message = "vhost-user port {Port}: {Reason}; closing the session, the port stays in error until a front-end connects again")]
    public static partial void FrontEndHarm(ILogger logger, string port, string reason);

    [LoggerMessage(EventId = 2023, Level = LogLevel.Information, Message = "vhost-user port {Port}: ring {Ring} {Role} eventfd was blocking; the switch made it non-blocking")]
    public static partial void EventFdMadeNonBlocking(ILogger logger, string port, int ring, string role);

    [LoggerMessage(EventId = 2024, Level = LogLevel.Warning, Message = "vhost-user port {Port}: ring {Ring}: a guest notification failed (call eventfd counter full or fd broken); failures are counted in port-status")]
    public static partial void CallFailed(ILogger logger, string port, int ring);

    [LoggerMessage(EventId = 2020, Level = LogLevel.Warning, Message = "vhost-user port {Port}: ring {Ring} base {Base} differs from the used index {UsedIdx} in guest memory; resuming from the used index")]
    public static partial void RingResynced(ILogger logger, string port, int ring, ushort @base, ushort usedIdx);
}
