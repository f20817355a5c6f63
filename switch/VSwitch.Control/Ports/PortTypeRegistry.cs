using VSwitch.Rpc;

namespace VSwitch.Control.Ports;

/// <summary>
/// The port types this daemon can create, by name. Open for more types: the composition root registers one
/// <see cref="IPortFactory"/> per type. Filled at start, read-only afterwards; reads are thread-safe then.
/// </summary>
public sealed class PortTypeRegistry
{
    private readonly SortedDictionary<string, IPortFactory> _types = new(StringComparer.Ordinal);

    /// <summary>Registered type names, sorted.</summary>
    public IEnumerable<string> Types => _types.Keys;

    /// <summary>Adds a type.</summary>
    /// <exception cref="ArgumentException">A type of that name is already registered.</exception>
    public void Register(IPortFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _types.Add(factory.Type, factory);
    }

    /// <summary>The factory of <paramref name="type"/>.</summary>
    /// <exception cref="ControlException">No such type; the message lists the known ones.</exception>
    public IPortFactory Get(string type) =>
        _types.TryGetValue(type, out IPortFactory? f)
            ? f
            : throw new ControlException(RpcErrorCodes.InvalidParams,
                $"unknown port type '{type}' (known: {string.Join(", ", _types.Keys)})");
}
