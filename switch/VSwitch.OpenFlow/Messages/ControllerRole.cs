namespace VSwitch.OpenFlow.Messages;

/// <summary>A connection's role (<c>enum ofp_controller_role</c>, OpenFlow 1.3.5 §6.3.7).</summary>
public enum ControllerRole : uint
{
    /// <summary>Query: keep the current role.</summary>
    NoChange = 0,
    /// <summary>Full access, the default.</summary>
    Equal = 1,
    /// <summary>Full access; at most one connection is master.</summary>
    Master = 2,
    /// <summary>Read-only: no state changes, no async messages by default.</summary>
    Slave = 3,
}
