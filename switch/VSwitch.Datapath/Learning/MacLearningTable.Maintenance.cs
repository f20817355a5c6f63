using VSwitch.Core.Net;
using VSwitch.Core.Ports;

namespace VSwitch.Datapath.Learning;

/// <summary>Control-plane operations of the table: removal by port, flush, aging housekeeping and listing.</summary>
public sealed partial class MacLearningTable
{
    /// <summary>Forgets every address learnt on <paramref name="port"/> (port deletion, <c>fdb-flush PORT</c>). Returns how many. Any thread.</summary>
    public int RemovePort(PortId port) => RemoveWhere(RemoveFilter.Port, port.Value, 0);

    /// <summary>Forgets every address. Returns how many. Any thread.</summary>
    public int Flush() => RemoveWhere(RemoveFilter.All, 0, 0);

    /// <summary>Reclaims entries older than the aging time (periodic control-plane housekeeping). Returns how many.</summary>
    public int RemoveExpired()
    {
        int n = RemoveWhere(RemoveFilter.Expired, 0, _clock.NowMilliseconds);
        Interlocked.Add(ref _expired, n);
        return n;
    }

    /// <summary>The live entries, for <c>fdb-show</c> (control plane; allocates). Ordered by port, VLAN, MAC.</summary>
    public List<MacLearningEntry> GetEntries()
    {
        long now = _clock.NowMilliseconds;
        var list = new List<MacLearningEntry>();
        for (int i = 0; i < _keys.Length; i++)
        {
            ulong key = Volatile.Read(ref _keys[i]);
            if (key == 0 || !TryReadSlot(i, key, out ulong value) || IsExpired(value, now))
            {
                continue;
            }
            long ageMs = Math.Max(0, (now & (long)TimeMask) - (long)(value >> 16));
            list.Add(new MacLearningEntry((ushort)((key >> 48) & 0x0fff), new MacAddress(key & MacMask),
                new PortId((ushort)value), (int)(ageMs / 1000)));
        }
        list.Sort(static (a, b) =>
            a.Port.Value != b.Port.Value ? a.Port.Value.CompareTo(b.Port.Value)
            : a.Vlan != b.Vlan ? a.Vlan.CompareTo(b.Vlan)
            : a.Mac.Value.CompareTo(b.Mac.Value));
        return list;
    }

    private int RemoveWhere(RemoveFilter filter, ushort port, long nowMs)
    {
        int removed = 0;
        for (int i = 0; i < _keys.Length; i++)
        {
            if (Volatile.Read(ref _keys[i]) == 0 || !TryClaim(i, out int seq))
            {
                continue;
            }
            ulong value = Volatile.Read(ref _values[i]);
            bool match = Volatile.Read(ref _keys[i]) != 0 && filter switch
            {
                RemoveFilter.Port => (ushort)value == port,
                RemoveFilter.Expired => IsExpired(value, nowMs),
                _ => true,
            };
            if (match)
            {
                Volatile.Write(ref _keys[i], 0);
                removed++;
            }
            Release(i, seq);
        }
        Interlocked.Add(ref _count, -removed);
        return removed;
    }

    private enum RemoveFilter
    {
        All,
        Port,
        Expired,
    }
}
