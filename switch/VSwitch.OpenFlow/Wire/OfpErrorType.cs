namespace VSwitch.OpenFlow.Wire;

/// <summary>The <c>type</c> of an OpenFlow 1.3 error message (<c>enum ofp_error_type</c>, OpenFlow 1.3.5 §7.4.4).</summary>
public enum OfpErrorType : ushort
{
    /// <summary>Version negotiation failed (<see cref="HelloFailedCode"/>).</summary>
    HelloFailed = 0,
    /// <summary>The request was not understood (<see cref="BadRequestCode"/>).</summary>
    BadRequest = 1,
    /// <summary>An action is wrong (<see cref="BadActionCode"/>).</summary>
    BadAction = 2,
    /// <summary>An instruction is wrong (<see cref="BadInstructionCode"/>).</summary>
    BadInstruction = 3,
    /// <summary>The match is wrong (<see cref="BadMatchCode"/>).</summary>
    BadMatch = 4,
    /// <summary>A flow mod failed (<see cref="FlowModFailedCode"/>).</summary>
    FlowModFailed = 5,
    /// <summary>A group mod failed (<see cref="GroupModFailedCode"/>).</summary>
    GroupModFailed = 6,
    /// <summary>A port mod failed (<see cref="PortModFailedCode"/>).</summary>
    PortModFailed = 7,
    /// <summary>A table mod failed (<see cref="TableModFailedCode"/>).</summary>
    TableModFailed = 8,
    /// <summary>A queue operation failed (<see cref="QueueOpFailedCode"/>).</summary>
    QueueOpFailed = 9,
    /// <summary>SET_CONFIG failed (<see cref="SwitchConfigFailedCode"/>).</summary>
    SwitchConfigFailed = 10,
    /// <summary>A role request failed (<see cref="RoleRequestFailedCode"/>).</summary>
    RoleRequestFailed = 11,
    /// <summary>A meter mod failed (<see cref="MeterModFailedCode"/>).</summary>
    MeterModFailed = 12,
    /// <summary>Setting table features failed (<see cref="TableFeaturesFailedCode"/>).</summary>
    TableFeaturesFailed = 13,
    /// <summary>Vendor error.</summary>
    Experimenter = 0xffff,
}
