namespace VSwitch.OpenFlow.Wire;

/// <summary>
/// An OpenFlow error: the pair (type, code) that an ERROR message carries. Every refusal in this assembly is one
/// of these, built from the typed code enums so that the pair cannot be mismatched.
/// </summary>
/// <param name="Type">Error type.</param>
/// <param name="Code">Code within the type.</param>
public readonly record struct OfpError(OfpErrorType Type, ushort Code)
{
    /// <summary>HELLO_FAILED with <paramref name="code"/>.</summary>
    public static OfpError Of(HelloFailedCode code) => new(OfpErrorType.HelloFailed, (ushort)code);

    /// <summary>BAD_REQUEST with <paramref name="code"/>.</summary>
    public static OfpError Of(BadRequestCode code) => new(OfpErrorType.BadRequest, (ushort)code);

    /// <summary>BAD_ACTION with <paramref name="code"/>.</summary>
    public static OfpError Of(BadActionCode code) => new(OfpErrorType.BadAction, (ushort)code);

    /// <summary>BAD_INSTRUCTION with <paramref name="code"/>.</summary>
    public static OfpError Of(BadInstructionCode code) => new(OfpErrorType.BadInstruction, (ushort)code);

    /// <summary>BAD_MATCH with <paramref name="code"/>.</summary>
    public static OfpError Of(BadMatchCode code) => new(OfpErrorType.BadMatch, (ushort)code);

    /// <summary>FLOW_MOD_FAILED with <paramref name="code"/>.</summary>
    public static OfpError Of(FlowModFailedCode code) => new(OfpErrorType.FlowModFailed, (ushort)code);

    /// <summary>GROUP_MOD_FAILED with <paramref name="code"/>.</summary>
    public static OfpError Of(GroupModFailedCode code) => new(OfpErrorType.GroupModFailed, (ushort)code);

    /// <summary>PORT_MOD_FAILED with <paramref name="code"/>.</summary>
    public static OfpError Of(PortModFailedCode code) => new(OfpErrorType.PortModFailed, (ushort)code);

    /// <summary>TABLE_MOD_FAILED with <paramref name="code"/>.</summary>
    public static OfpError Of(TableModFailedCode code) => new(OfpErrorType.TableModFailed, (ushort)code);

    /// <summary>QUEUE_OP_FAILED with <paramref name="code"/>.</summary>
    public static OfpError Of(QueueOpFailedCode code) => new(OfpErrorType.QueueOpFailed, (ushort)code);

    /// <summary>SWITCH_CONFIG_FAILED with <paramref name="code"/>.</summary>
    public static OfpError Of(SwitchConfigFailedCode code) => new(OfpErrorType.SwitchConfigFailed, (ushort)code);

    /// <summary>ROLE_REQUEST_FAILED with <paramref name="code"/>.</summary>
    public static OfpError Of(RoleRequestFailedCode code) => new(OfpErrorType.RoleRequestFailed, (ushort)code);

    /// <summary>METER_MOD_FAILED with <paramref name="code"/>.</summary>
    public static OfpError Of(MeterModFailedCode code) => new(OfpErrorType.MeterModFailed, (ushort)code);

    /// <summary>TABLE_FEATURES_FAILED with <paramref name="code"/>.</summary>
    public static OfpError Of(TableFeaturesFailedCode code) => new(OfpErrorType.TableFeaturesFailed, (ushort)code);

    /// <summary>The spec's names, e.g. <c>BadMatch/BadPrereq</c>.</summary>
    public override string ToString() => Type switch
    {
        OfpErrorType.HelloFailed => $"HelloFailed/{(HelloFailedCode)Code}",
        OfpErrorType.BadRequest => $"BadRequest/{(BadRequestCode)Code}",
        OfpErrorType.BadAction => $"BadAction/{(BadActionCode)Code}",
        OfpErrorType.BadInstruction => $"BadInstruction/{(BadInstructionCode)Code}",
        OfpErrorType.BadMatch => $"BadMatch/{(BadMatchCode)Code}",
        OfpErrorType.FlowModFailed => $"FlowModFailed/{(FlowModFailedCode)Code}",
        OfpErrorType.GroupModFailed => $"GroupModFailed/{(GroupModFailedCode)Code}",
        OfpErrorType.PortModFailed => $"PortModFailed/{(PortModFailedCode)Code}",
        OfpErrorType.TableModFailed => $"TableModFailed/{(TableModFailedCode)Code}",
        OfpErrorType.QueueOpFailed => $"QueueOpFailed/{(QueueOpFailedCode)Code}",
        OfpErrorType.SwitchConfigFailed => $"SwitchConfigFailed/{(SwitchConfigFailedCode)Code}",
        OfpErrorType.RoleRequestFailed => $"RoleRequestFailed/{(RoleRequestFailedCode)Code}",
        OfpErrorType.MeterModFailed => $"MeterModFailed/{(MeterModFailedCode)Code}",
        OfpErrorType.TableFeaturesFailed => $"TableFeaturesFailed/{(TableFeaturesFailedCode)Code}",
        _ => $"{Type}/{Code}",
    };
}
