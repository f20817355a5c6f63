using System.Diagnostics.CodeAnalysis;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Codec;

/// <summary>
/// Turns one framed OpenFlow 1.3 message into a checked <see cref="OfpMessage"/>, or into the error a switch
/// answers with. Every length is checked before it is used: the message's against its type's fixed size, and
/// every nested length (match, OXM, instruction, action, bucket, multipart entry, property) against the bytes
/// that remain, with the padding to 8 bytes the spec requires. Nothing is read out of bounds and nothing throws on
/// bad input. Stateless and thread-safe; allocates the decoded records.
/// </summary>
public static partial class OfpDecoder
{
    /// <summary>
    /// Decodes <paramref name="message"/>, which must be one whole message: at least 8 bytes, exactly as long as
    /// its header says (the connection's framing guarantees it). The header's version is not checked here, except
    /// that HELLO takes any version. Memory-typed fields of the result point into <paramref name="message"/>.
    /// </summary>
    /// <returns>True with the message, or false with the OFPET/code to answer.</returns>
    public static bool TryDecode(ReadOnlyMemory<byte> message, [NotNullWhen(true)] out OfpMessage? decoded, out OfpError error)
    {
        decoded = null;
        ReadOnlySpan<byte> span = message.Span;
        if (span.Length < OfpHeader.Size)
        {
            return Fail(BadRequestCode.BadLen, out error);
        }
        OfpHeader h = OfpHeader.Read(span);
        if (h.Length != span.Length)
        {
            return Fail(BadRequestCode.BadLen, out error);
        }
        ReadOnlyMemory<byte> body = message[OfpHeader.Size..];
        error = default;
        decoded = h.Type switch
        {
            OfpType.Hello => DecodeHello(h, body.Span, ref error),
            OfpType.Error => DecodeError(h, body, ref error),
            OfpType.EchoRequest => new EchoRequest(h.Xid, body),
            OfpType.EchoReply => new EchoReply(h.Xid, body),
            OfpType.Experimenter => Refuse(body.Length >= 8 ? OfpError.Of(BadRequestCode.BadExperimenter) : OfpError.Of(BadRequestCode.BadLen), ref error),
            OfpType.FeaturesRequest => Empty(h, body, new FeaturesRequest(h.Xid), ref error),
            OfpType.FeaturesReply => DecodeFeaturesReply(h, body.Span, ref error),
            OfpType.GetConfigRequest => Empty(h, body, new GetConfigRequest(h.Xid), ref error),
            OfpType.GetConfigReply or OfpType.SetConfig => DecodeSwitchConfig(h, body.Span, ref error),
            OfpType.PacketIn => DecodePacketIn(h, body, ref error),
            OfpType.FlowRemoved => DecodeFlowRemoved(h, body.Span, ref error),
            OfpType.PortStatus => DecodePortStatus(h, body.Span, ref error),
            OfpType.PacketOut => DecodePacketOut(h, body, ref error),
            OfpType.FlowMod => DecodeFlowMod(h, body.Span, ref error),
            OfpType.GroupMod => DecodeGroupMod(h, body.Span, ref error),
            OfpType.PortMod => DecodePortMod(h, body.Span, ref error),
            OfpType.TableMod => DecodeTableMod(h, body.Span, ref error),
            OfpType.MultipartRequest => DecodeMultipartRequest(h, body.Span, ref error),
            OfpType.MultipartReply => DecodeMultipartReply(h, body.Span, ref error),
            OfpType.BarrierRequest => Empty(h, body, new BarrierRequest(h.Xid), ref error),
            OfpType.BarrierReply => Empty(h, body, new BarrierReply(h.Xid), ref error),
            OfpType.QueueGetConfigRequest => DecodeQueueGetConfig(h, body.Span, ref error),
            OfpType.QueueGetConfigReply => DecodeQueueGetConfig(h, body.Span, ref error),
            OfpType.RoleRequest or OfpType.RoleReply => DecodeRole(h, body.Span, ref error),
            OfpType.GetAsyncRequest => Empty(h, body, new GetAsyncRequest(h.Xid), ref error),
            OfpType.GetAsyncReply or OfpType.SetAsync => DecodeAsync(h, body.Span, ref error),
            OfpType.MeterMod => DecodeMeterMod(h, body.Span, ref error),
            _ => Refuse(OfpError.Of(BadRequestCode.BadType), ref error),
        };
        return decoded is not null;
    }

    private static bool Fail(BadRequestCode code, out OfpError error)
    {
        error = OfpError.Of(code);
        return false;
    }

    private static OfpMessage? Refuse(OfpError refusal, ref OfpError error)
    {
        error = refusal;
        return null;
    }

    private static OfpMessage? BadLen(ref OfpError error) => Refuse(OfpError.Of(BadRequestCode.BadLen), ref error);

    private static OfpMessage? Empty(OfpHeader h, ReadOnlyMemory<byte> body, OfpMessage message, ref OfpError error) =>
        body.IsEmpty ? message : BadLen(ref error);

    // §7.5.1: elements are TLVs (type 2, length 2 including the 4-byte header), each padded to 8 bytes. Unknown
    // elements are ignored; the version bitmap (type 1) is a list of 32-bit words, bit n = version n.
    private static OfpMessage? DecodeHello(OfpHeader h, ReadOnlySpan<byte> body, ref OfpError error)
    {
        uint bitmap = 0;
        while (!body.IsEmpty)
        {
            if (body.Length < 4)
            {
                return Refuse(OfpError.Of(HelloFailedCode.Incompatible), ref error);
            }
            var r = new WireReader(body);
            ushort type = r.U16();
            int length = r.U16();
            int padded = (length + 7) & ~7;
            if (length < 4 || length > body.Length)
            {
                return Refuse(OfpError.Of(HelloFailedCode.Incompatible), ref error);
            }
            if (type == 1 && length >= 8)
            {
                bitmap = r.U32();
            }
            body = body[Math.Min(padded, body.Length)..];
        }
        return new Hello(h.Xid, h.Version, bitmap);
    }

    private static OfpMessage? DecodeError(OfpHeader h, ReadOnlyMemory<byte> body, ref OfpError error)
    {
        if (body.Length < 4)
        {
            return BadLen(ref error);
        }
        var r = new WireReader(body.Span);
        var type = (OfpErrorType)r.U16();
        ushort code = r.U16();
        return new ErrorMessage(h.Xid, new OfpError(type, code), body[4..]);
    }

    private static OfpMessage? DecodeFeaturesReply(OfpHeader h, ReadOnlySpan<byte> body, ref OfpError error)
    {
        if (body.Length != 24)
        {
            return BadLen(ref error);
        }
        var r = new WireReader(body);
        ulong dpid = r.U64();
        uint buffers = r.U32();
        byte tables = r.U8();
        byte aux = r.U8();
        r.Skip(2);
        var caps = (SwitchCapabilities)r.U32();
        return new FeaturesReply(h.Xid, new SwitchFeatures(dpid, buffers, tables, aux, caps));
    }

    private static OfpMessage? DecodeSwitchConfig(OfpHeader h, ReadOnlySpan<byte> body, ref OfpError error)
    {
        if (body.Length != 4)
        {
            return BadLen(ref error);
        }
        var r = new WireReader(body);
        var flags = (ConfigFlags)r.U16();
        var config = new SwitchConfig(flags, r.U16());
        if (h.Type == OfpType.GetConfigReply)
        {
            return new GetConfigReply(h.Xid, config);
        }
        // §7.3.2: the fragment mode is a 2-bit value (3 is undefined), and only the INVALID_TTL bit is defined above it.
        if (((ushort)flags & ~0x7) != 0 || ((ushort)flags & 0x3) == 0x3)
        {
            return Refuse(OfpError.Of(SwitchConfigFailedCode.BadFlags), ref error);
        }
        return new SetConfig(h.Xid, config);
    }

    private static OfpMessage? DecodeQueueGetConfig(OfpHeader h, ReadOnlySpan<byte> body, ref OfpError error)
    {
        if (h.Type == OfpType.QueueGetConfigRequest ? body.Length != 8 : body.Length < 8)
        {
            return BadLen(ref error);
        }
        uint port = new WireReader(body).U32();
        return h.Type == OfpType.QueueGetConfigRequest ? new QueueGetConfigRequest(h.Xid, port) : new QueueGetConfigReply(h.Xid, port);
    }

    private static OfpMessage? DecodeRole(OfpHeader h, ReadOnlySpan<byte> body, ref OfpError error)
    {
        if (body.Length != 16)
        {
            return BadLen(ref error);
        }
        var r = new WireReader(body);
        var role = (ControllerRole)r.U32();
        r.Skip(4);
        ulong generation = r.U64();
        if ((uint)role > (uint)ControllerRole.Slave)
        {
            return Refuse(OfpError.Of(RoleRequestFailedCode.BadRole), ref error);
        }
        return h.Type == OfpType.RoleRequest ? new RoleRequest(h.Xid, role, generation) : new RoleReply(h.Xid, role, generation);
    }

    private static OfpMessage? DecodeAsync(OfpHeader h, ReadOnlySpan<byte> body, ref OfpError error)
    {
        if (body.Length != 24)
        {
            return BadLen(ref error);
        }
        var r = new WireReader(body);
        var config = new AsyncConfig(r.U32(), r.U32(), r.U32(), r.U32(), r.U32(), r.U32());
        return h.Type == OfpType.SetAsync ? new SetAsync(h.Xid, config) : new GetAsyncReply(h.Xid, config);
    }
}
