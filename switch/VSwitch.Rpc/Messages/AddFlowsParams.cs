namespace VSwitch.Rpc.Messages;

/// <summary>Parameters of add-flows: flows added together, all or none.</summary>
/// <param name="Flows">One flow per entry; blank entries and entries starting with '#' are skipped.</param>
public sealed record AddFlowsParams(string[] Flows);
