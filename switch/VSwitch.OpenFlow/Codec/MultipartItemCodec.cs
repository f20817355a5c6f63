using VSwitch.OpenFlow.Instructions;
using VSwitch.OpenFlow.Match;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Codec;

/// <summary>
/// The entries of multipart reply bodies (OpenFlow 1.3.5 §7.3.5): fixed-size structures, and the variable ones
/// (flow stats, group stats, group desc, table features) whose first field is their length, checked against the
/// body that remains.
/// </summary>
internal static class MultipartItemCodec
{
    private const int DescString = 256;
    private const int SerialString = 32;

    public static bool TryRead(MultipartType kind, ReadOnlySpan<byte> s, out MultipartItem? item, out int used, out OfpError error)
    {
        item = null;
        error = default;
        used = kind switch
        {
            MultipartType.Desc => 3 * DescString + SerialString + DescString,
            MultipartType.Aggregate or MultipartType.Table => 24,
            MultipartType.PortStats => 112,
            MultipartType.Queue or MultipartType.GroupFeatures => 40,
            MultipartType.MeterFeatures => 16,
            MultipartType.PortDesc => PortCodec.Size,
            MultipartType.Flow or MultipartType.Group or MultipartType.GroupDesc => s.Length >= 2 ? (s[0] << 8) | s[1] : 0,
            MultipartType.TableFeatures => 0,
            _ => -1,
        };
        if (used < 0)
        {
            error = OfpError.Of(BadRequestCode.BadMultipart);
            return false;
        }
        if (kind == MultipartType.TableFeatures)
        {
            bool ok = TableFeaturesCodec.TryRead(s, out TableFeatures? f, out used, out error);
            item = f;
            return ok;
        }
        if (used == 0 || used > s.Length || used % 8 != 0)
        {
            error = OfpError.Of(BadRequestCode.BadLen);
            return false;
        }
        ReadOnlySpan<byte> e = s[..used];
        var r = new WireReader(e);
        switch (kind)
        {
            case MultipartType.Desc:
                item = new SwitchDescription(Str(ref r, DescString), Str(ref r, DescString), Str(ref r, DescString),
                    Str(ref r, SerialString), Str(ref r, DescString));
                return true;
            case MultipartType.Aggregate:
                item = new AggregateStats(r.U64(), r.U64(), r.U32());
                return true;
            case MultipartType.Table:
                byte table = r.U8();
                r.Skip(3);
                item = new TableStats(table, r.U32(), r.U64(), r.U64());
                return true;
            case MultipartType.PortStats:
                uint port = r.U32();
                r.Skip(4);
                item = new PortStats(port, r.U64(), r.U64(), r.U64(), r.U64(), r.U64(), r.U64(), r.U64(), r.U64(), r.U64(), r.U64(),
                    r.U64(), r.U64(), r.U32(), r.U32());
                return true;
            case MultipartType.Queue:
                item = new QueueStats(r.U32(), r.U32(), r.U64(), r.U64(), r.U64(), r.U32(), r.U32());
                return true;
            case MultipartType.GroupFeatures:
                item = new GroupFeatures(r.U32(), r.U32(), [r.U32(), r.U32(), r.U32(), r.U32()], [r.U32(), r.U32(), r.U32(), r.U32()]);
                return true;
            case MultipartType.MeterFeatures:
                item = new MeterFeatures(r.U32(), r.U32(), r.U32(), r.U8(), r.U8());
                return true;
            case MultipartType.PortDesc:
                item = PortCodec.Read(e);
                return true;
            case MultipartType.Flow:
                return TryReadFlowStats(e, out item, out error);
            case MultipartType.Group:
                return TryReadGroupStats(e, out item, out error);
            default:
                return TryReadGroupDesc(e, out item, out error);
        }
    }

    private static string Str(ref WireReader r, int size) => MessageWriter.ReadFixedString(r.Bytes(size));

    private static bool TryReadFlowStats(ReadOnlySpan<byte> e, out MultipartItem? item, out OfpError error)
    {
        item = null;
        if (e.Length < 48 + 8)
        {
            error = OfpError.Of(BadRequestCode.BadLen);
            return false;
        }
        var r = new WireReader(e);
        r.Skip(2);
        byte table = r.U8();
        r.Skip(1);
        uint sec = r.U32();
        uint nsec = r.U32();
        ushort priority = r.U16();
        ushort idle = r.U16();
        ushort hard = r.U16();
        var flags = (FlowModFlags)r.U16();
        r.Skip(4);
        ulong cookie = r.U64();
        ulong packets = r.U64();
        ulong bytes = r.U64();
        if (!MatchCodec.TryRead(e[48..], out OfpMatch match, out int used, out error)
            || !InstructionCodec.TryReadList(e[(48 + used)..], table == OfpTableId.All ? (byte)0 : table, out OfpInstruction[] inst, out error))
        {
            return false;
        }
        item = new FlowStats(table, sec, nsec, priority, idle, hard, flags, cookie, packets, bytes, match, inst);
        return true;
    }

    private static bool TryReadGroupStats(ReadOnlySpan<byte> e, out MultipartItem? item, out OfpError error)
    {
        item = null;
        error = default;
        if (e.Length < 40 || (e.Length - 40) % 16 != 0)
        {
            error = OfpError.Of(BadRequestCode.BadLen);
            return false;
        }
        var r = new WireReader(e);
        r.Skip(4);
        uint group = r.U32();
        uint refs = r.U32();
        r.Skip(4);
        ulong packets = r.U64();
        ulong bytes = r.U64();
        uint sec = r.U32();
        uint nsec = r.U32();
        var buckets = new BucketCounter[(e.Length - 40) / 16];
        for (int i = 0; i < buckets.Length; i++)
        {
            buckets[i] = new BucketCounter(r.U64(), r.U64());
        }
        item = new GroupStats(group, refs, packets, bytes, sec, nsec, buckets);
        return true;
    }

    private static bool TryReadGroupDesc(ReadOnlySpan<byte> e, out MultipartItem? item, out OfpError error)
    {
        item = null;
        if (e.Length < 8)
        {
            error = OfpError.Of(BadRequestCode.BadLen);
            return false;
        }
        var r = new WireReader(e);
        r.Skip(2);
        var type = (GroupType)r.U8();
        r.Skip(1);
        uint group = r.U32();
        if (!GroupCodec.TryReadBuckets(e[8..], out OfpBucket[] buckets, out error))
        {
            return false;
        }
        item = new GroupDesc(type, group, buckets);
        return true;
    }

    public static void Write(MessageWriter w, MultipartItem item)
    {
        switch (item)
        {
            case SwitchDescription d:
                w.FixedString(d.Manufacturer, DescString);
                w.FixedString(d.Hardware, DescString);
                w.FixedString(d.Software, DescString);
                w.FixedString(d.SerialNumber, SerialString);
                w.FixedString(d.Datapath, DescString);
                break;
            case FlowStats f:
                WriteFlowStats(w, f);
                break;
            case AggregateStats a:
                w.U64(a.PacketCount);
                w.U64(a.ByteCount);
                w.U32(a.FlowCount);
                w.Zeros(4);
                break;
            case TableStats t:
                w.U8(t.TableId);
                w.Zeros(3);
                w.U32(t.ActiveCount);
                w.U64(t.LookupCount);
                w.U64(t.MatchedCount);
                break;
            case PortStats p:
                WritePortStats(w, p);
                break;
            case QueueStats q:
                w.U32(q.PortNo);
                w.U32(q.QueueId);
                w.U64(q.TxBytes);
                w.U64(q.TxPackets);
                w.U64(q.TxErrors);
                w.U32(q.DurationSec);
                w.U32(q.DurationNsec);
                break;
            case GroupStats g:
                WriteGroupStats(w, g);
                break;
            case GroupDesc g:
                w.U16((ushort)(8 + GroupCodec.BucketsLength(g.Buckets)));
                w.U8((byte)g.GroupType);
                w.Zeros(1);
                w.U32(g.GroupId);
                GroupCodec.WriteBuckets(w, g.Buckets);
                break;
            case GroupFeatures g:
                w.U32(g.Types);
                w.U32(g.Capabilities);
                WriteFour(w, g.MaxGroups);
                WriteFour(w, g.Actions);
                break;
            case MeterFeatures m:
                w.U32(m.MaxMeter);
                w.U32(m.BandTypes);
                w.U32(m.Capabilities);
                w.U8(m.MaxBands);
                w.U8(m.MaxColor);
                w.Zeros(2);
                break;
            case TableFeatures t:
                TableFeaturesCodec.Write(w, t);
                break;
            case OfpPort p:
                PortCodec.Write(w, p);
                break;
            default:
                throw new ArgumentException($"no encoding for {item.GetType().Name}", nameof(item));
        }
    }

    private static void WriteFour(MessageWriter w, IReadOnlyList<uint> values)
    {
        for (int i = 0; i < 4; i++)
        {
            w.U32(i < values.Count ? values[i] : 0);
        }
    }

    private static void WriteFlowStats(MessageWriter w, FlowStats f)
    {
        int start = w.Length;
        w.U16(0);
        w.U8(f.TableId);
        w.Zeros(1);
        w.U32(f.DurationSec);
        w.U32(f.DurationNsec);
        w.U16(f.Priority);
        w.U16(f.IdleTimeout);
        w.U16(f.HardTimeout);
        w.U16((ushort)f.Flags);
        w.Zeros(4);
        w.U64(f.Cookie);
        w.U64(f.PacketCount);
        w.U64(f.ByteCount);
        MatchCodec.Write(w, f.Match);
        InstructionCodec.WriteList(w, f.Instructions);
        w.PatchU16(start, (ushort)(w.Length - start));
    }

    private static void WritePortStats(MessageWriter w, PortStats p)
    {
        w.U32(p.PortNo);
        w.Zeros(4);
        w.U64(p.RxPackets);
        w.U64(p.TxPackets);
        w.U64(p.RxBytes);
        w.U64(p.TxBytes);
        w.U64(p.RxDropped);
        w.U64(p.TxDropped);
        w.U64(p.RxErrors);
        w.U64(p.TxErrors);
        w.U64(p.RxFrameErr);
        w.U64(p.RxOverErr);
        w.U64(p.RxCrcErr);
        w.U64(p.Collisions);
        w.U32(p.DurationSec);
        w.U32(p.DurationNsec);
    }

    private static void WriteGroupStats(MessageWriter w, GroupStats g)
    {
        w.U16((ushort)(40 + (16 * g.Buckets.Count)));
        w.Zeros(2);
        w.U32(g.GroupId);
        w.U32(g.RefCount);
        w.Zeros(4);
        w.U64(g.PacketCount);
        w.U64(g.ByteCount);
        w.U32(g.DurationSec);
        w.U32(g.DurationNsec);
        foreach (BucketCounter b in g.Buckets)
        {
            w.U64(b.PacketCount);
            w.U64(b.ByteCount);
        }
    }
}
