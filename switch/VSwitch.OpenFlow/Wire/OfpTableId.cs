namespace VSwitch.OpenFlow.Wire;

/// <summary>Table ids with a meaning of their own (<c>enum ofp_table</c>, OpenFlow 1.3.5 §7.2.2).</summary>
public static class OfpTableId
{
    /// <summary>Highest table number.</summary>
    public const byte Max = 0xfe;
    /// <summary>All tables (delete, stats).</summary>
    public const byte All = 0xff;
}
