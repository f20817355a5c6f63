using VSwitch.Control.Model;
using VSwitch.Flows.Syntax;

namespace VSwitch.Control.Ports;

/// <summary>
/// Resolves port names in flow text (<c>in_port=vm1</c>, <c>output:vm2</c>) against one configuration snapshot.
/// Immutable; thread-safe.
/// </summary>
public sealed class ConfigPortNameResolver : IPortNameResolver
{
    private readonly Dictionary<string, ushort> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<ushort, string> _byNumber = [];

    /// <summary>Indexes the ports of <paramref name="config"/>.</summary>
    public ConfigPortNameResolver(SwitchConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        foreach (PortConfig p in config.Ports)
        {
            _byName[p.Name] = (ushort)p.OfPort;
            _byNumber[(ushort)p.OfPort] = p.Name;
        }
    }

    /// <inheritdoc/>
    public bool TryResolve(string name, out ushort port) => _byName.TryGetValue(name, out port);

    /// <inheritdoc/>
    public bool TryGetName(ushort port, out string name)
    {
        if (_byNumber.TryGetValue(port, out string? n))
        {
            name = n;
            return true;
        }
        name = string.Empty;
        return false;
    }
}
