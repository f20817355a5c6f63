namespace VSwitch.OpenFlow.Messages;

/// <summary>FLOW_MOD commands (<c>enum ofp_flow_mod_command</c>, OpenFlow 1.3.5 §7.3.4.2).</summary>
public enum FlowModCommand : byte
{
    /// <summary>Add a flow (replacing an identical one).</summary>
    Add = 0,
    /// <summary>Change the instructions of every matching flow.</summary>
    Modify = 1,
    /// <summary>Change the flow with exactly this match and priority.</summary>
    ModifyStrict = 2,
    /// <summary>Delete every matching flow.</summary>
    Delete = 3,
    /// <summary>Delete the flow with exactly this match and priority.</summary>
    DeleteStrict = 4,
}
