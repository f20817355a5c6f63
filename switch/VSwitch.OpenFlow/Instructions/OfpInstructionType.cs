namespace VSwitch.OpenFlow.Instructions;

/// <summary>Instruction types of OpenFlow 1.3 (<c>enum ofp_instruction_type</c>, OpenFlow 1.3.5 §7.2.4).</summary>
public enum OfpInstructionType : ushort
{
    /// <summary>Continue in a later table.</summary>
    GotoTable = 1,
    /// <summary>Write the masked metadata.</summary>
    WriteMetadata = 2,
    /// <summary>Merge actions into the action set.</summary>
    WriteActions = 3,
    /// <summary>Apply actions now.</summary>
    ApplyActions = 4,
    /// <summary>Empty the action set.</summary>
    ClearActions = 5,
    /// <summary>Send the packet through a meter.</summary>
    Meter = 6,
    /// <summary>Vendor instruction (not supported here).</summary>
    Experimenter = 0xffff,
}
