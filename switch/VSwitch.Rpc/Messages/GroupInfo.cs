namespace VSwitch.Rpc.Messages;

/// <summary>One group.</summary>
/// <param name="GroupId">The group's id.</param>
/// <param name="Type">"all" or "indirect".</param>
/// <param name="Text">The group as ovs-ofctl dump-groups prints it (and add-group takes it).</param>
/// <param name="FlowCount">Flows that apply the group.</param>
public sealed record GroupInfo(uint GroupId, string Type, string Text, int FlowCount);
