using VSwitch.Flows.Actions;
using VSwitch.Flows.Rules;

namespace VSwitch.Flows.Syntax;

/// <summary>Prints flows in ovs-ofctl syntax.</summary>
public static class FlowFormatter
{
    /// <summary>Formats a flow.</summary>
    public static string Format(FlowRule rule, IPortNameResolver? ports = null, bool withStats = false, long nowMs = 0) => throw new NotImplementedException();

    /// <summary>Formats a match.</summary>
    public static string FormatMatch(FlowMatch m, IPortNameResolver? ports = null) => throw new NotImplementedException();

    /// <summary>Formats actions.</summary>
    public static string FormatActions(ActionList a, IPortNameResolver? ports = null) => throw new NotImplementedException();
}
