using Microsoft.Extensions.Logging;
using VSwitch.OpenFlow.Codec;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Connection;

public sealed partial class OfpConnection
{
    // Returns false when the connection must end.
    private async ValueTask<bool> HandleAsync(OfpHeader h, ReadOnlyMemory<byte> message, CancellationToken token)
    {
        if (State == ConnectionState.Handshake)
        {
            return await HandshakeAsync(h, message, token).ConfigureAwait(false);
        }
        // §7.1: once negotiated, every message carries the negotiated version.
        if (h.Version != OfpHeader.Version13)
        {
            await SendErrorAsync(h.Xid, OfpError.Of(BadRequestCode.BadVersion), message, token).ConfigureAwait(false);
            return true;
        }
        _currentLength = message.Length;
        if (!OfpDecoder.TryDecode(message, out OfpMessage? m, out OfpError error))
        {
            await SendErrorAsync(h.Xid, error, message, token).ConfigureAwait(false);
            return true;
        }
        if (Role == ControllerRole.Slave && ChangesState(m))
        {
            await SendErrorAsync(h.Xid, OfpError.Of(BadRequestCode.IsSlave), message, token).ConfigureAwait(false);
            return true;
        }
        OfpError? refusal = await DispatchAsync(m, token).ConfigureAwait(false);
        if (refusal is { } e)
        {
            await SendErrorAsync(h.Xid, e, message, token).ConfigureAwait(false);
        }
        return true;
    }

    // §6.3.7: a slave may not change the switch: packet-out, flow, group, port, table and meter mods, table-features set.
    private static bool ChangesState(OfpMessage m) => m is PacketOut or FlowMod or GroupMod or PortMod or TableMod or MeterMod
        || (m is MultipartRequest { Kind: MultipartType.TableFeatures } r && r.TableFeatures.Count != 0);

    // §6.3.1: each side sends HELLO first. With version bitmaps on both sides the highest common bit wins;
    // otherwise the smaller of the two header versions. Only 1.3 (0x04) is spoken here.
    private async ValueTask<bool> HandshakeAsync(OfpHeader h, ReadOnlyMemory<byte> message, CancellationToken token)
    {
        if (h.Type != OfpType.Hello)
        {
            await SendHelloFailedAsync(h.Xid, $"expected HELLO, got message type {(byte)h.Type}", token).ConfigureAwait(false);
            CloseReason = "first message was not HELLO";
            return false;
        }
        if (!OfpDecoder.TryDecode(message, out OfpMessage? m, out _) || m is not Hello hello)
        {
            await SendHelloFailedAsync(h.Xid, "malformed HELLO", token).ConfigureAwait(false);
            CloseReason = "malformed HELLO";
            return false;
        }
        bool compatible = hello.VersionBitmap != 0
            ? (hello.VersionBitmap & (1u << OfpHeader.Version13)) != 0
            : hello.Version >= OfpHeader.Version13;
        if (!compatible)
        {
            string text = $"this switch speaks only OpenFlow 1.3 (0x04); the peer offers version 0x{hello.Version:x2}"
                + (hello.VersionBitmap != 0 ? $" with bitmap 0x{hello.VersionBitmap:x}" : "");
            await SendHelloFailedAsync(h.Xid, text, token).ConfigureAwait(false);
            CloseReason = "no common OpenFlow version";
            return false;
        }
        Volatile.Write(ref _connectedAt, _clock.NowMilliseconds);
        State = ConnectionState.Connected;
        _hub.OnConnected(this);
        _logger.LogInformation("openflow {Connection}: connected (OpenFlow 1.3)", Name);
        return true;
    }

    // One line per message type; each returns the error to send, if any.
    private async ValueTask<OfpError?> DispatchAsync(OfpMessage m, CancellationToken token) => m switch
    {
        EchoRequest r => await ReplyAsync(new EchoReply(r.Xid, r.Data), token).ConfigureAwait(false),
        EchoReply or Hello => null,
        ErrorMessage r => LogPeerError(r),
        FeaturesRequest r => await ReplyAsync(new FeaturesReply(r.Xid, await _hub.CallAsync(s => s.Features).ConfigureAwait(false)), token).ConfigureAwait(false),
        GetConfigRequest r => await ReplyAsync(new GetConfigReply(r.Xid, await _hub.CallAsync(s => s.Config).ConfigureAwait(false)), token).ConfigureAwait(false),
        SetConfig r => await _hub.ChangeAsync(s => s.SetConfigAsync(r)).ConfigureAwait(false),
        FlowMod r => await FlowModAsync(r).ConfigureAwait(false),
        GroupMod r => await _hub.ChangeAsync(s => s.GroupModAsync(r)).ConfigureAwait(false),
        PortMod r => await _hub.ChangeAsync(s => s.PortModAsync(r)).ConfigureAwait(false),
        TableMod r => await _hub.ChangeAsync(s => s.TableModAsync(r)).ConfigureAwait(false),
        PacketOut r => await PacketOutAsync(r).ConfigureAwait(false),
        MeterMod r => MeterModReply(r),
        MultipartRequest r => await MultipartAsync(r, token).ConfigureAwait(false),
        BarrierRequest r => await BarrierAsync(r, token).ConfigureAwait(false),
        QueueGetConfigRequest r => await QueueGetConfigAsync(r, token).ConfigureAwait(false),
        RoleRequest r => await RoleAsync(r, token).ConfigureAwait(false),
        GetAsyncRequest r => await ReplyAsync(new GetAsyncReply(r.Xid, Async), token).ConfigureAwait(false),
        SetAsync r => SetAsyncConfig(r),
        // Messages only a switch sends.
        _ => OfpError.Of(BadRequestCode.BadType),
    };

    private async ValueTask<OfpError?> ReplyAsync(OfpMessage reply, CancellationToken token)
    {
        await SendAsync(reply, token).ConfigureAwait(false);
        return null;
    }

    private OfpError? LogPeerError(ErrorMessage r)
    {
        _logger.LogDebug("openflow {Connection}: peer sent error {Error} (xid {Xid})", Name, r.Error, r.Xid);
        return null;
    }

    // §7.3.4.2: with a buffer id the flow is added and the buffered packet then applied; this switch buffers
    // nothing, so the flow is added and the buffer is refused as unknown (as OVS does).
    private async ValueTask<OfpError?> FlowModAsync(FlowMod r)
    {
        OfpError? error = await _hub.ChangeAsync(s => s.FlowModAsync(r)).ConfigureAwait(false);
        bool usesBuffer = r.BufferId != OfpBufferId.NoBuffer && r.Command is FlowModCommand.Add or FlowModCommand.Modify or FlowModCommand.ModifyStrict;
        return error ?? (usesBuffer ? OfpError.Of(BadRequestCode.BufferUnknown) : null);
    }

    private async ValueTask<OfpError?> PacketOutAsync(PacketOut r) =>
        r.BufferId != OfpBufferId.NoBuffer
            ? OfpError.Of(BadRequestCode.BufferUnknown)
            : await _hub.ChangeAsync(s => s.PacketOutAsync(r)).ConfigureAwait(false);

    // The switch has no meters (METER_FEATURES says 0): deleting finds nothing to delete and succeeds, as the
    // os-ken conformance tester expects before every test; adding and modifying are refused.
    private static OfpError? MeterModReply(MeterMod r) => r.Command switch
    {
        MeterModCommand.Delete => null,
        MeterModCommand.Add => OfpError.Of(MeterModFailedCode.OutOfMeters),
        _ => OfpError.Of(MeterModFailedCode.UnknownMeter),
    };

    private async ValueTask<OfpError?> BarrierAsync(BarrierRequest r, CancellationToken token)
    {
        await _hub.BarrierAsync().ConfigureAwait(false);
        return await ReplyAsync(new BarrierReply(r.Xid), token).ConfigureAwait(false);
    }

    // This switch configures no queues: a known port (or ANY) has an empty list.
    private async ValueTask<OfpError?> QueueGetConfigAsync(QueueGetConfigRequest r, CancellationToken token)
    {
        IReadOnlyList<OfpPort> ports = await _hub.CallAsync(s => s.GetPorts()).ConfigureAwait(false);
        if (r.Port != OfpPortNo.Any && !ports.Any(p => p.PortNo == r.Port))
        {
            return OfpError.Of(QueueOpFailedCode.BadPort);
        }
        return await ReplyAsync(new QueueGetConfigReply(r.Xid, r.Port), token).ConfigureAwait(false);
    }

    private async ValueTask<OfpError?> RoleAsync(RoleRequest r, CancellationToken token)
    {
        OfpResult<RoleReply> result = _hub.ChangeRole(this, r);
        return result.IsOk ? await ReplyAsync(result.Value, token).ConfigureAwait(false) : result.Error;
    }

    private OfpError? SetAsyncConfig(SetAsync r)
    {
        Async = r.Config;
        return null;
    }
}
