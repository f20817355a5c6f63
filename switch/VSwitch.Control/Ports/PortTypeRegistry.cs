using VSwitch.Rpc;

namespace VSwitch.Control.Ports;

/// <summary>
/// The port types this daemon can create, by name. Open for more types: the composition root registers one
/// <see cref="IPortType"/> per type. Filled at start, read-only afterwards; reads are thread-safe then.
/// </summary>
public sealed class PortTypeRegistry
{
    private readonly SortedDictionary<string, IPortType> _types = new(StringComparer.Ordinal);

    /// <summary>Registered type names, sorted.</summary>
    public IEnumerable<string> Types => _types.Keys;

    /// <summary>Adds a type.</summary>
    /// <exception cref="ArgumentException">A type of that name is already registered.</exception>
    public void Register(IPortType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        _types.Add(type.Type, type);
    }

    /// <summary>The port type called <paramref name="type"/>, or false when there is none.</summary>
    public bool TryGet(string type, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPortType? portType) =>
        _types.TryGetValue(type, out portType);

    /// <summary>The port type called <paramref name="type"/>.</summary>
    /// <exception cref="ControlException">No such type; the message lists the known ones.</exception>
    public IPortType Get(string type) =>
        _types.TryGetValue(type, out IPortType? f)
            ? f
            : throw new ControlException(RpcErrorCodes.InvalidParams,
                $"unknown port type '{type}' (known: {string.Join(", ", _types.Keys)})");
}
