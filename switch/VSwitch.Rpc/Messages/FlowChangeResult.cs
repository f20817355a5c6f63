namespace VSwitch.Rpc.Messages;

/// <summary>The result of a flow table change.</summary>
/// <param name="Count">Flows added, modified or deleted.</param>
/// <param name="FlowCount">Flows in the table afterwards.</param>
public sealed record FlowChangeResult(int Count, int FlowCount);
