namespace VSwitch.Flows.Rules;

/// <summary>A flow that left its table, and why.</summary>
/// <param name="Rule">The flow, with its final counters.</param>
/// <param name="Reason">Why.</param>
public readonly record struct RemovedFlow(FlowRule Rule, FlowRemovalReason Reason);
