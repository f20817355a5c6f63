namespace VSwitch.OpenFlow.Messages;

/// <summary>Group types (<c>enum ofp_group_type</c>, OpenFlow 1.3.5 §5.6.1).</summary>
public enum GroupType : byte
{
    /// <summary>Every bucket (multicast, flood).</summary>
    All = 0,
    /// <summary>One bucket chosen by the switch.</summary>
    Select = 1,
    /// <summary>The single bucket.</summary>
    Indirect = 2,
    /// <summary>The first live bucket.</summary>
    FastFailover = 3,
}
