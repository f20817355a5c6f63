using VSwitch.OpenFlow.Match;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Codec;

public static partial class OfpDecoder
{
    // §7.3.5: type 2, flags 2, pad 4, then a body whose layout the type decides.
    private static OfpMessage? DecodeMultipartRequest(OfpHeader h, ReadOnlySpan<byte> s, ref OfpError error)
    {
        if (s.Length < 8)
        {
            return BadLen(ref error);
        }
        var r = new WireReader(s);
        var kind = (MultipartType)r.U16();
        var flags = (MultipartFlags)(r.U16() & 1);
        ReadOnlySpan<byte> body = s[8..];
        var request = new MultipartRequest(h.Xid, kind, flags);
        switch (kind)
        {
            case MultipartType.Desc or MultipartType.Table or MultipartType.GroupDesc or MultipartType.GroupFeatures
                or MultipartType.MeterFeatures or MultipartType.PortDesc:
                return body.IsEmpty ? request : BadLen(ref error);
            case MultipartType.Flow or MultipartType.Aggregate:
                return TryReadFlowStatsRequest(body, out FlowStatsRequest? flow, ref error) ? request with { Flow = flow } : null;
            case MultipartType.PortStats:
                return body.Length == 8 ? request with { PortNo = new WireReader(body).U32() } : BadLen(ref error);
            case MultipartType.Queue:
                if (body.Length != 8)
                {
                    return BadLen(ref error);
                }
                var q = new WireReader(body);
                return request with { PortNo = q.U32(), QueueId = q.U32() };
            case MultipartType.Group:
                return body.Length == 8 ? request with { GroupId = new WireReader(body).U32() } : BadLen(ref error);
            case MultipartType.Meter or MultipartType.MeterConfig:
                return body.Length == 8 ? request with { MeterId = new WireReader(body).U32() } : BadLen(ref error);
            case MultipartType.TableFeatures:
                return TryReadTableFeaturesList(body, out List<TableFeatures> list, ref error) ? request with { TableFeatures = list } : null;
            case MultipartType.Experimenter:
                return Refuse(body.Length >= 8 ? OfpError.Of(BadRequestCode.BadExperimenter) : OfpError.Of(BadRequestCode.BadLen), ref error);
            default:
                return Refuse(OfpError.Of(BadRequestCode.BadMultipart), ref error);
        }
    }

    // struct ofp_flow_stats_request: table_id 1, pad 3, out_port 4, out_group 4, pad 4, cookie 8, cookie_mask 8, match.
    private static bool TryReadFlowStatsRequest(ReadOnlySpan<byte> body, out FlowStatsRequest? flow, ref OfpError error)
    {
        flow = null;
        if (body.Length < 32 + 8)
        {
            error = OfpError.Of(BadRequestCode.BadLen);
            return false;
        }
        var r = new WireReader(body);
        byte table = r.U8();
        r.Skip(3);
        uint outPort = r.U32();
        uint outGroup = r.U32();
        r.Skip(4);
        ulong cookie = r.U64();
        ulong mask = r.U64();
        if (!MatchCodec.TryRead(body[32..], out OfpMatch match, out int used, out error))
        {
            return false;
        }
        if (32 + used != body.Length)
        {
            error = OfpError.Of(BadRequestCode.BadLen);
            return false;
        }
        flow = new FlowStatsRequest(table, outPort, outGroup, cookie, mask, match);
        return true;
    }

    private static bool TryReadTableFeaturesList(ReadOnlySpan<byte> body, out List<TableFeatures> list, ref OfpError error)
    {
        list = [];
        while (!body.IsEmpty)
        {
            if (!TableFeaturesCodec.TryRead(body, out TableFeatures? f, out int used, out error))
            {
                return false;
            }
            list.Add(f!);
            body = body[used..];
        }
        return true;
    }

    private static OfpMessage? DecodeMultipartReply(OfpHeader h, ReadOnlySpan<byte> s, ref OfpError error)
    {
        if (s.Length < 8)
        {
            return BadLen(ref error);
        }
        var r = new WireReader(s);
        var kind = (MultipartType)r.U16();
        var flags = (MultipartFlags)(r.U16() & 1);
        var items = new List<MultipartItem>();
        ReadOnlySpan<byte> body = s[8..];
        while (!body.IsEmpty)
        {
            if (!MultipartItemCodec.TryRead(kind, body, out MultipartItem? item, out int used, out error))
            {
                return null;
            }
            items.Add(item!);
            body = body[used..];
        }
        return new MultipartReply(h.Xid, kind, flags, items);
    }
}
