namespace VSwitch.Flows.Syntax;

/// <summary>
/// Maps port names used in flow text (<c>in_port=vm1</c>, <c>output:vm2</c>) to port numbers and back.
/// Called by the parser and formatter on the control thread only.
/// </summary>
public interface IPortNameResolver
{
    /// <summary>The number of the port called <paramref name="name"/>.</summary>
    bool TryResolve(string name, out ushort port);

    /// <summary>The name of port <paramref name="port"/>.</summary>
    bool TryGetName(ushort port, out string name);
}
