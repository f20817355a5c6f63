namespace VSwitch.Flows.Syntax;

/// <summary>Options of one add or modify request that are not stored with the flow (ovs-ofctl's <c>check_overlap</c>, <c>reset_counts</c>).</summary>
/// <param name="CheckOverlap">Refuse the add when a flow of the same priority overlaps it.</param>
/// <param name="ResetCounts">Start the counters again (a replaced or modified flow keeps them otherwise).</param>
public readonly record struct FlowAddOptions(bool CheckOverlap, bool ResetCounts);
