namespace VSwitch.Flows.Actions;

/// <summary>
/// One action of a flow. <paramref name="Argument"/> is the output port number (<see cref="FlowActionKind.Output"/>),
/// the VLAN ID or PCP, the TPID (<see cref="FlowActionKind.PushVlan"/>), or the 48-bit MAC value; zero otherwise.
/// </summary>
/// <param name="Kind">What the action does.</param>
/// <param name="Argument">The action's operand, as described above.</param>
public readonly record struct FlowAction(FlowActionKind Kind, ulong Argument)
{
    /// <summary>The argument as a port number (for <see cref="FlowActionKind.Output"/>).</summary>
    public ushort Port => (ushort)Argument;
}
