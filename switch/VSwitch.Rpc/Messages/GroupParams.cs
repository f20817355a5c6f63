namespace VSwitch.Rpc.Messages;

/// <summary>Parameters of add-group, del-groups and dump-groups.</summary>
/// <param name="Group">
/// add-group: the group in ovs-ofctl syntax (<c>group_id=5,type=all,bucket=output:1,bucket=output:2</c>);
/// del-groups and dump-groups: <c>group_id=N</c> or <c>group_id=all</c>, or null for every group.
/// </param>
public sealed record GroupParams(string? Group);
