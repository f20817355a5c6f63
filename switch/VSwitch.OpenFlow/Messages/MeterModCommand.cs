namespace VSwitch.OpenFlow.Messages;

/// <summary>METER_MOD commands (<c>enum ofp_meter_mod_command</c>).</summary>
public enum MeterModCommand : ushort
{
    /// <summary>New meter.</summary>
    Add = 0,
    /// <summary>Change a meter.</summary>
    Modify = 1,
    /// <summary>Delete a meter (or all, with OFPM_ALL).</summary>
    Delete = 2,
}
