namespace VSwitch.Flows.Groups;

/// <summary>Group types (OpenFlow 1.3.5 §5.6.1 <c>ofp_group_type</c>, same numbers); this switch runs ALL and INDIRECT.</summary>
public enum GroupType : byte
{
    /// <summary>Every bucket gets a copy of the packet (multicast, flooding).</summary>
    All = 0,

    /// <summary>One bucket picked by the switch (not supported here).</summary>
    Select = 1,

    /// <summary>The one bucket (a shared next hop).</summary>
    Indirect = 2,

    /// <summary>The first live bucket (not supported here).</summary>
    FastFailover = 3,
}
