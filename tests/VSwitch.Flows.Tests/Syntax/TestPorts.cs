using VSwitch.Flows.Syntax;

namespace VSwitch.Flows.Tests.Syntax;

/// <summary>A fixed port table: vm1=1, vm2=2, uplink=10, and a port whose name looks like a keyword.</summary>
internal sealed class TestPorts : IPortNameResolver
{
    public static readonly TestPorts Instance = new();

    private readonly Dictionary<string, ushort> _byName = new(StringComparer.Ordinal) { ["vm1"] = 1, ["vm2"] = 2, ["uplink"] = 10, ["flood"] = 11 };

    public bool TryResolve(string name, out ushort port) => _byName.TryGetValue(name, out port);

    public bool TryGetName(ushort port, out string name)
    {
        foreach (KeyValuePair<string, ushort> kv in _byName)
        {
            if (kv.Value == port)
            {
                name = kv.Key;
                return true;
            }
        }
        name = string.Empty;
        return false;
    }
}
