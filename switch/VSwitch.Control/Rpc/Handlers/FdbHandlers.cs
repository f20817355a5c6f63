using VSwitch.Control.Model;
using VSwitch.Control.Runtime;
using VSwitch.Rpc.Messages;

namespace VSwitch.Control.Rpc.Handlers;

/// <summary>fdb-show and fdb-flush over the running MAC learning table. Called by the dispatcher, one request at a time.</summary>
public sealed class FdbHandlers
{
    private readonly ControlPlane _control;

    /// <summary>Creates the handlers over <paramref name="control"/>.</summary>
    public FdbHandlers(ControlPlane control)
    {
        ArgumentNullException.ThrowIfNull(control);
        _control = control;
    }

    /// <summary>fdb-show: learned MACs with port names, ordered by port, VLAN and MAC, and the table's counters.</summary>
    public FdbShowResult FdbShow()
    {
        SwitchConfig config = _control.Config;
        var entries = new List<FdbEntryInfo>();
        foreach (LearnedMac mac in _control.Runtime.FdbShow())
        {
            entries.Add(RuntimeMessages.FdbEntry(mac, config.FindPort(mac.OfPort)?.Name));
        }
        entries.Sort(static (a, b) =>
        {
            int c = a.OfPort.CompareTo(b.OfPort);
            c = c != 0 ? c : a.Vlan.CompareTo(b.Vlan);
            return c != 0 ? c : string.CompareOrdinal(a.Mac, b.Mac);
        });
        FdbStats s = _control.Runtime.FdbStats();
        return new FdbShowResult([.. entries])
        {
            Stats = new FdbStatsInfo(s.Entries, s.MaxEntries, s.Learned, s.Moved, s.Evicted, s.Expired, s.RefusedMulticast),
        };
    }

    /// <summary>fdb-flush [PORT]: PORT by name or number.</summary>
    public FdbFlushResult FdbFlush(FdbFlushParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        int? ofPort = string.IsNullOrEmpty(p.Port) ? null : _control.GetPortByNameOrNumber(p.Port).OfPort;
        return new FdbFlushResult(_control.Runtime.FdbFlush(ofPort));
    }
}
