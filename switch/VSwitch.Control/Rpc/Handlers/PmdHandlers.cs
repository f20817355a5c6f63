using VSwitch.Rpc.Messages;

namespace VSwitch.Control.Rpc.Handlers;

/// <summary>pmd-stats, pmd-stats-clear and pmd-rxq-show, read from the datapath threads. Called by the dispatcher.</summary>
public sealed class PmdHandlers
{
    private readonly ControlPlane _control;

    /// <summary>Creates the handlers over <paramref name="control"/>.</summary>
    public PmdHandlers(ControlPlane control)
    {
        ArgumentNullException.ThrowIfNull(control);
        _control = control;
    }

    /// <summary>pmd-stats.</summary>
    public PmdStatsResult PmdStats() => new([.. _control.Runtime.PmdStats().Select(RuntimeMessages.PmdStats)]);

    /// <summary>pmd-stats-clear.</summary>
    public EmptyResult PmdStatsClear()
    {
        _control.Runtime.PmdStatsClear();
        return EmptyResult.Instance;
    }

    /// <summary>pmd-rxq-show.</summary>
    public PmdRxqResult PmdRxqShow() => new([.. _control.Runtime.PmdRxqShow().Select(RuntimeMessages.PmdRxq)]);
}
