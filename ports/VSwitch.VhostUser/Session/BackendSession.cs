using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using VSwitch.VhostUser.Protocol;
using VSwitch.VhostUser.Protocol.Messages;
using VSwitch.VhostUser.Transport;

namespace VSwitch.VhostUser.Session;

/// <summary>
/// One conversation with one front-end, on the port's session thread. Design note: <see cref="Run"/> reads a message,
/// checks its framing (size, fds) in <see cref="MessageRules"/>, dispatches it to exactly one handler, and answers
/// (the request's own reply, or the REPLY_ACK acknowledgement when asked for). A handler returns null on success or the
/// error; an error that <see cref="VhostUserErrors.ShouldReconnect"/> ends the session, and the port then resets the
/// device (rings stopped, memory unmapped, every fd closed). Every fd a message carried is closed unless a handler took it.
/// </summary>
internal sealed partial class BackendSession
{
    private readonly VhostUserPort _port;
    private readonly UnixConnection _conn;
    private readonly byte[] _payload = new byte[UnixConnection.MaxPayload];
    private readonly ReceivedFds _fds = new();
    private MessageHeader _header;
    private bool _replied;

    public BackendSession(VhostUserPort port, UnixConnection conn)
    {
        _port = port;
        _conn = conn;
    }

    private ILogger Logger => _port.Logger;

    /// <summary>Serves messages until the front-end disconnects, misbehaves, or <paramref name="stopping"/> says stop.</summary>
    public VhostUserError Run(Func<bool> stopping)
    {
        try
        {
            while (!stopping())
            {
                int ready = _conn.WaitReadable(200);
                if (ready == 0)
                {
                    continue;
                }
                if (ready < 0)
                {
                    return VhostUserError.Disconnected;
                }
                var error = _conn.TryRead(out _header, _payload, _fds);
                if (error is null)
                {
                    error = MessageRules.Check(_header, _fds.Count);
                    error ??= Dispatch((FrontendRequest)_header.Request, _payload.AsSpan(0, (int)_header.PayloadSize));
                    error = Acknowledge(error);
                }
                _fds.CloseRest();
                if (error is { } e && e.ShouldReconnect())
                {
                    if (e != VhostUserError.Disconnected)
                    {
                        Log.Refused(Logger, _port.Name, (FrontendRequest)_header.Request, e);
                        _port.RecordError($"{(FrontendRequest)_header.Request}: {e}");
                    }
                    return e;
                }
            }
            return VhostUserError.Disconnected;
        }
        finally
        {
            _fds.CloseRest();
        }
    }

    private VhostUserError? Dispatch(FrontendRequest request, ReadOnlySpan<byte> p)
    {
        _replied = false;
        return request switch
        {
            FrontendRequest.GetFeatures => GetFeatures(),
            FrontendRequest.SetFeatures => SetFeatures(U64(p)),
            FrontendRequest.SetOwner => null,
            FrontendRequest.ResetOwner => ResetOwner(),
            FrontendRequest.SetMemTable => SetMemTable(p),
            FrontendRequest.SetLogBase => SetLogBase(Read<LogDescription>(p)),
            FrontendRequest.SetLogFd => null,
            FrontendRequest.SetVringNum => SetVringNum(Read<VringState>(p)),
            FrontendRequest.SetVringAddr => SetVringAddr(Read<VringAddr>(p)),
            FrontendRequest.SetVringBase => SetVringBase(Read<VringState>(p)),
            FrontendRequest.GetVringBase => GetVringBase(Read<VringState>(p)),
            FrontendRequest.SetVringKick => SetVringKick(new VringFdPayload(U64(p))),
            FrontendRequest.SetVringCall => SetVringCall(new VringFdPayload(U64(p))),
            FrontendRequest.SetVringErr => SetVringErr(new VringFdPayload(U64(p))),
            FrontendRequest.GetProtocolFeatures => ReplyU64((ulong)VhostUserPort.OfferedProtocolFeatures),
            FrontendRequest.SetProtocolFeatures => SetProtocolFeatures(U64(p)),
            FrontendRequest.GetQueueNum => ReplyU64((ulong)_port.Options.MaxQueuePairs),
            FrontendRequest.SetVringEnable => SetVringEnable(Read<VringState>(p)),
            FrontendRequest.SendRarp => SendRarp(U64(p)),
            FrontendRequest.NetSetMtu => NetSetMtu(U64(p)),
            FrontendRequest.SetBackendReqFd => null,
            FrontendRequest.SetStatus => SetStatus(U64(p)),
            FrontendRequest.GetStatus => ReplyU64(_port.DeviceStatus),
            FrontendRequest.GetMaxMemSlots => ReplyU64(VhostUserPort.MaxMemSlots),
            FrontendRequest.AddMemReg => AddMemReg(Read<SingleMemoryRegion>(p).Region),
            FrontendRequest.RemMemReg => RemMemReg(Read<SingleMemoryRegion>(p).Region),
            _ => Unsupported(request),
        };
    }

    /// <summary>
    /// REPLY_ACK (vhost-user spec, "REPLY_ACK"): when negotiated and the front-end set need_reply, every request without
    /// a reply of its own is answered with a u64: 0 for success, non-zero for failure.
    /// </summary>
    private VhostUserError? Acknowledge(VhostUserError? error)
    {
        if (_replied || !_header.NeedReply || (_port.AckedProtocol & ProtocolFeatures.ReplyAck) == 0)
        {
            return error;
        }
        if (!ReplyCore(error is null ? 0UL : 1UL))
        {
            return VhostUserError.SocketBroken;
        }
        return error;
    }

    private VhostUserError? Unsupported(FrontendRequest request)
    {
        Log.Unsupported(Logger, _port.Name, request);
        return VhostUserError.UnsupportedRequest;
    }

    private VhostUserError? ReplyU64(ulong value)
    {
        _replied = true;
        return ReplyCore(value) ? null : VhostUserError.SocketBroken;
    }

    private bool ReplyCore(ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        MemoryMarshal.Write(b, in value);
        return _conn.TryWriteReply((FrontendRequest)_header.Request, b);
    }

    private VhostUserError? Reply<T>(T value) where T : unmanaged
    {
        _replied = true;
        return _conn.TryWriteReply((FrontendRequest)_header.Request, MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value))) ? null : VhostUserError.SocketBroken;
    }

    private static ulong U64(ReadOnlySpan<byte> p) => MemoryMarshal.Read<ulong>(p);

    private static T Read<T>(ReadOnlySpan<byte> p) where T : unmanaged => MemoryMarshal.Read<T>(p);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "port {Port}: {Request} refused: {Error}; closing the session")]
        public static partial void Refused(ILogger logger, string port, FrontendRequest request, VhostUserError error);

        [LoggerMessage(Level = LogLevel.Warning, Message = "port {Port}: unsupported request {Request}")]
        public static partial void Unsupported(ILogger logger, string port, FrontendRequest request);

        [LoggerMessage(Level = LogLevel.Information, Message = "port {Port}: {Message}")]
        public static partial void Info(ILogger logger, string port, string message);
    }
}
