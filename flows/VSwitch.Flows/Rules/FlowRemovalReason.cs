namespace VSwitch.Flows.Rules;

/// <summary>Why a flow left its table (OpenFlow 1.3.5 §7.4.2 <c>ofp_flow_removed_reason</c>, same numbers).</summary>
public enum FlowRemovalReason : byte
{
    /// <summary>No packet hit it for idle_timeout seconds.</summary>
    IdleTimeout = 0,

    /// <summary>hard_timeout seconds passed since it was added.</summary>
    HardTimeout = 1,

    /// <summary>A delete (FLOW_MOD or del-flows) removed it.</summary>
    Delete = 2,

    /// <summary>The group it applies was deleted.</summary>
    GroupDelete = 3,
}
