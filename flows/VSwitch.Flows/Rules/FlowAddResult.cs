namespace VSwitch.Flows.Rules;

/// <summary>What <see cref="FlowTables.Add"/> did.</summary>
public enum FlowAddResult
{
    /// <summary>A new flow.</summary>
    Added,

    /// <summary>It replaced a flow with the same table, match and priority.</summary>
    Replaced,

    /// <summary>CHECK_OVERLAP: a flow of the same priority overlaps it; nothing changed.</summary>
    Overlap,
}
