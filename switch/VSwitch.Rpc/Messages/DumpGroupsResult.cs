namespace VSwitch.Rpc.Messages;

/// <summary>The result of dump-groups.</summary>
/// <param name="Groups">Groups by ascending id.</param>
public sealed record DumpGroupsResult(GroupInfo[] Groups);
