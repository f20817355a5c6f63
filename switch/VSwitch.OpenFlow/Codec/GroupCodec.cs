using VSwitch.OpenFlow.Actions;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Codec;

/// <summary>
/// Group buckets (<c>struct ofp_bucket</c>: len 2, weight 2, watch_port 4, watch_group 4, pad 4, actions) and the
/// rules that depend on the group type (OpenFlow 1.3.5 §5.6.1, §7.3.4.3).
/// </summary>
internal static class GroupCodec
{
    public static bool TryReadBuckets(ReadOnlySpan<byte> s, out OfpBucket[] buckets, out OfpError error)
    {
        var list = new List<OfpBucket>();
        buckets = [];
        while (!s.IsEmpty)
        {
            int length = s.Length >= 2 ? (s[0] << 8) | s[1] : 0;
            // A bucket is at least its 16-byte header, a multiple of 8, and inside the message.
            if (length < 16 || length % 8 != 0 || length > s.Length)
            {
                error = OfpError.Of(GroupModFailedCode.BadBucket);
                return false;
            }
            var r = new WireReader(s);
            r.Skip(2);
            ushort weight = r.U16();
            uint watchPort = r.U32();
            uint watchGroup = r.U32();
            if (!ActionCodec.TryReadList(s[16..length], out OfpAction[] actions, out error))
            {
                return false;
            }
            list.Add(new OfpBucket(weight, watchPort, watchGroup, actions));
            s = s[length..];
        }
        buckets = [.. list];
        error = default;
        return true;
    }

    public static bool TryCheckBuckets(GroupType type, OfpBucket[] buckets, out OfpError error)
    {
        error = default;
        // §5.6.1: an indirect group has exactly one bucket.
        if (type == GroupType.Indirect && buckets.Length != 1)
        {
            error = OfpError.Of(GroupModFailedCode.InvalidGroup);
            return false;
        }
        foreach (OfpBucket b in buckets)
        {
            // §5.6.1: a fast-failover bucket watches a port or a group.
            if (type == GroupType.FastFailover && b.WatchPort == OfpPortNo.Any && b.WatchGroup == OfpGroupId.Any)
            {
                error = OfpError.Of(GroupModFailedCode.BadWatch);
                return false;
            }
        }
        return true;
    }

    public static void WriteBuckets(MessageWriter w, IReadOnlyList<OfpBucket> buckets)
    {
        foreach (OfpBucket b in buckets)
        {
            w.U16((ushort)b.WireLength);
            w.U16(b.Weight);
            w.U32(b.WatchPort);
            w.U32(b.WatchGroup);
            w.Zeros(4);
            ActionCodec.WriteList(w, b.Actions);
        }
    }

    public static int BucketsLength(IReadOnlyList<OfpBucket> buckets)
    {
        int n = 0;
        foreach (OfpBucket b in buckets)
        {
            n += b.WireLength;
        }
        return n;
    }
}
