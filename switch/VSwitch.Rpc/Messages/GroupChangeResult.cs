namespace VSwitch.Rpc.Messages;

/// <summary>The result of add-group and del-groups.</summary>
/// <param name="Count">Groups added or deleted.</param>
/// <param name="GroupCount">Groups on the bridge afterwards.</param>
/// <param name="FlowsRemoved">Flows deleted with their group (a flow that applies a deleted group goes with it).</param>
public sealed record GroupChangeResult(int Count, int GroupCount, int FlowsRemoved);
