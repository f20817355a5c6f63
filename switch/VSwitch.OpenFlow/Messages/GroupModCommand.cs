namespace VSwitch.OpenFlow.Messages;

/// <summary>GROUP_MOD commands (<c>enum ofp_group_mod_command</c>).</summary>
public enum GroupModCommand : ushort
{
    /// <summary>New group.</summary>
    Add = 0,
    /// <summary>Replace a group's type and buckets.</summary>
    Modify = 1,
    /// <summary>Delete a group (or all, with OFPG_ALL).</summary>
    Delete = 2,
}
