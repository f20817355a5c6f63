namespace VSwitch.Rpc.Messages;

/// <summary>Parameters of add-flow, mod-flows, del-flows and dump-flows.</summary>
/// <param name="Flow">The flow text in ovs-ofctl syntax (a match only for del-flows and dump-flows; may be null there for all flows).</param>
/// <param name="Strict">Select by exact match and priority instead of by "at least as specific".</param>
public sealed record FlowParams(string? Flow, bool Strict);
