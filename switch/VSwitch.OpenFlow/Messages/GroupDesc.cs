namespace VSwitch.OpenFlow.Messages;

/// <summary>A GROUP_DESC reply entry (<c>struct ofp_group_desc</c>).</summary>
/// <param name="GroupType">Group type.</param>
/// <param name="GroupId">Group.</param>
/// <param name="Buckets">Its buckets.</param>
public sealed record GroupDesc(GroupType GroupType, uint GroupId, IReadOnlyList<OfpBucket> Buckets) : MultipartItem;
