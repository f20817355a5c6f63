namespace VSwitch.OpenFlow.Messages;

/// <summary>The GROUP_FEATURES reply (<c>struct ofp_group_features</c>).</summary>
/// <param name="Types">Bitmap of supported group types (bit = 1 &lt;&lt; type).</param>
/// <param name="Capabilities">Bitmap of OFPGFC_* capabilities.</param>
/// <param name="MaxGroups">Largest number of groups of each type (index = type, 4 entries).</param>
/// <param name="Actions">Bitmap of supported action types (bit = 1 &lt;&lt; type) for each group type (4 entries).</param>
public sealed record GroupFeatures(uint Types, uint Capabilities, IReadOnlyList<uint> MaxGroups, IReadOnlyList<uint> Actions) : MultipartItem
{
    /// <summary>Same values element by element.</summary>
    public bool Equals(GroupFeatures? other) => other is not null && Types == other.Types && Capabilities == other.Capabilities
        && MaxGroups.SequenceEqual(other.MaxGroups) && Actions.SequenceEqual(other.Actions);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Types, Capabilities);
}
