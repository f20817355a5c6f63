namespace VSwitch.OpenFlow.Wire;

/// <summary>Codes of <see cref="OfpErrorType.BadInstruction"/> (<c>enum ofp_bad_instruction_code</c>).</summary>
public enum BadInstructionCode : ushort
{
    /// <summary>Unknown instruction.</summary>
    UnknownInst = 0,
    /// <summary>The switch or table does not support the instruction.</summary>
    UnsupInst = 1,
    /// <summary>Invalid table id in goto-table.</summary>
    BadTableId = 2,
    /// <summary>Metadata value not supported.</summary>
    UnsupMetadata = 3,
    /// <summary>Metadata mask not supported.</summary>
    UnsupMetadataMask = 4,
    /// <summary>Unknown experimenter id.</summary>
    BadExperimenter = 5,
    /// <summary>Unknown instruction for the experimenter id.</summary>
    BadExpType = 6,
    /// <summary>Length problem in instructions.</summary>
    BadLen = 7,
    /// <summary>Permissions error.</summary>
    Eperm = 8,
}
