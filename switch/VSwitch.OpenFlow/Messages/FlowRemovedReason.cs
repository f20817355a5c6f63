namespace VSwitch.OpenFlow.Messages;

/// <summary>Why a flow was removed (<c>enum ofp_flow_removed_reason</c>).</summary>
public enum FlowRemovedReason : byte
{
    /// <summary>Idle timeout.</summary>
    IdleTimeout = 0,
    /// <summary>Hard timeout.</summary>
    HardTimeout = 1,
    /// <summary>Deleted by a flow mod.</summary>
    Delete = 2,
    /// <summary>Its group was deleted.</summary>
    GroupDelete = 3,
}
