using VSwitch.Core.Time;
using VSwitch.Flows.Actions;
using VSwitch.Flows.Rules;

namespace VSwitch.Flows.Syntax;

/// <summary>Parses flows in ovs-ofctl syntax.</summary>
public static class FlowParser
{
    /// <summary>Parses a whole flow.</summary>
    public static FlowRule ParseFlow(string text, IClock clock, IPortNameResolver? ports = null) => throw new NotImplementedException();

    /// <summary>Parses a match.</summary>
    public static FlowMatch ParseMatch(string text, IPortNameResolver? ports, out int? priority) => throw new NotImplementedException();

    /// <summary>Parses an action list.</summary>
    public static ActionList ParseActions(string text, IPortNameResolver? ports = null) => throw new NotImplementedException();
}
