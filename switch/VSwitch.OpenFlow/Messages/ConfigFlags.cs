namespace VSwitch.OpenFlow.Messages;

/// <summary>SET_CONFIG flags (<c>enum ofp_config_flags</c>).</summary>
[Flags]
public enum ConfigFlags : ushort
{
    /// <summary>No special handling of IP fragments.</summary>
    FragNormal = 0,
    /// <summary>Drop fragments.</summary>
    FragDrop = 1,
    /// <summary>Reassemble fragments.</summary>
    FragReasm = 2,
    /// <summary>Send packets with an invalid TTL to the controller.</summary>
    InvalidTtlToController = 4,
}
