using VSwitch.Flows.Keys;

namespace VSwitch.Flows.Actions;

/// <summary>
/// One action of a flow. <paramref name="Argument"/> is the output port number (<see cref="FlowActionKind.Output"/>),
/// the VLAN ID or PCP, the TPID (<see cref="FlowActionKind.PushVlan"/>), the 48-bit MAC value, the controller
/// max_len (<see cref="FlowActionKind.Controller"/>), the group id (<see cref="FlowActionKind.Group"/>) or the TTL
/// (<see cref="FlowActionKind.SetNwTtl"/>); zero otherwise. <see cref="Field"/> and <see cref="Value"/> are used by
/// <see cref="FlowActionKind.SetField"/> only.
/// </summary>
/// <param name="Kind">What the action does.</param>
/// <param name="Argument">The action's operand, as described above.</param>
/// <param name="Field">The field a set_field writes.</param>
/// <param name="Value">The value a set_field writes (right-aligned, the field's width).</param>
public readonly record struct FlowAction(FlowActionKind Kind, ulong Argument, FlowField Field = default, UInt128 Value = default)
{
    /// <summary>The argument as a port number (for <see cref="FlowActionKind.Output"/>).</summary>
    public ushort Port => (ushort)Argument;

    /// <summary><c>output:PORT</c>.</summary>
    public static FlowAction Output(ushort port) => new(FlowActionKind.Output, port);

    /// <summary><c>set_field:VALUE-&gt;FIELD</c>.</summary>
    public static FlowAction SetFieldTo(FlowField field, UInt128 value) => new(FlowActionKind.SetField, 0, field, value);

    /// <summary>True for the kinds that send the packet somewhere (output, normal, flood, all, in_port, controller, output:TABLE).</summary>
    public bool IsOutput => Kind is FlowActionKind.Output or FlowActionKind.Normal or FlowActionKind.Flood or FlowActionKind.All
        or FlowActionKind.InPort or FlowActionKind.Controller or FlowActionKind.Table;

    /// <summary>
    /// The OpenFlow port number an output of this kind goes to (its reserved number for normal, flood, all, in_port,
    /// controller and TABLE), or <see cref="OpenFlowPort.None"/> for actions that are not outputs. Used by out_port filters.
    /// </summary>
    public ushort OutputPort => Kind switch
    {
        FlowActionKind.Output => Port,
        FlowActionKind.Normal => OpenFlowPort.Normal,
        FlowActionKind.Flood => OpenFlowPort.Flood,
        FlowActionKind.All => OpenFlowPort.All,
        FlowActionKind.InPort => OpenFlowPort.InPort,
        FlowActionKind.Controller => OpenFlowPort.Controller,
        FlowActionKind.Table => OpenFlowPort.Table,
        _ => OpenFlowPort.None,
    };
}
