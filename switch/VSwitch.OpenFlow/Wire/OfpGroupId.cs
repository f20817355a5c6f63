namespace VSwitch.OpenFlow.Wire;

/// <summary>Group ids with a meaning of their own (<c>enum ofp_group</c>, OpenFlow 1.3.5 §7.3.4.2).</summary>
public static class OfpGroupId
{
    /// <summary>Highest usable group id.</summary>
    public const uint Max = 0xffffff00;
    /// <summary>All groups (group delete, group stats).</summary>
    public const uint All = 0xfffffffc;
    /// <summary>Wildcard (flow filters).</summary>
    public const uint Any = 0xffffffff;
}
