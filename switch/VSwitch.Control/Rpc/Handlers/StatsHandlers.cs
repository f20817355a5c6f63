using VSwitch.Control.Model;
using VSwitch.Control.Runtime;
using VSwitch.Rpc.Messages;

namespace VSwitch.Control.Rpc.Handlers;

/// <summary>port-stats and port-status, read from the running ports. Called by the dispatcher, one request at a time.</summary>
public sealed class StatsHandlers
{
    private readonly ControlPlane _control;

    /// <summary>Creates the handlers over <paramref name="control"/>.</summary>
    public StatsHandlers(ControlPlane control)
    {
        ArgumentNullException.ThrowIfNull(control);
        _control = control;
    }

    /// <summary>port-stats [NAME] [--queues]: ports ordered by number.</summary>
    public PortStatsResult PortStats(PortStatsParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (!string.IsNullOrEmpty(p.Name))
        {
            return new PortStatsResult([Counters(_control.GetPort(p.Name), p.Queues)]);
        }
        var result = new List<PortStatsInfo>();
        foreach (PortConfig port in _control.Config.Ports.OrderBy(x => x.OfPort))
        {
            result.Add(Counters(port, p.Queues));
        }
        return new PortStatsResult([.. result]);
    }

    /// <summary>port-status NAME.</summary>
    public PortStatusResult PortStatus(PortNameParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        PortConfig port = _control.GetPort(p.Name);
        return RuntimeMessages.PortStatus(port, _control.Runtime.PortStatus(port));
    }

    private PortStatsInfo Counters(PortConfig port, bool queues)
    {
        PortCounters counters = _control.Runtime.PortStats(port);
        return PortCountersReport.From(port.Name, port.OfPort, counters.Stats, counters.QueueCount, queues);
    }
}
