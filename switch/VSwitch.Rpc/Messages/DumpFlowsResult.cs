namespace VSwitch.Rpc.Messages;

/// <summary>The result of dump-flows.</summary>
/// <param name="Flows">Flows by descending priority, then in the order they were added.</param>
public sealed record DumpFlowsResult(FlowInfo[] Flows);
