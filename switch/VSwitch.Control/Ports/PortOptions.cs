using System.Collections.Immutable;

namespace VSwitch.Control.Ports;

/// <summary>What every port type does first with the options of add-port and set-port. Pure; any thread.</summary>
public static class PortOptions
{
    /// <summary>
    /// A sorted copy of <paramref name="options"/> for the port type <paramref name="type"/> to check and complete.
    /// Every key must be one of <paramref name="known"/>; the first that is not is refused with the same message for
    /// every type, naming the known ones.
    /// </summary>
    /// <exception cref="ControlException">An option is not one of <paramref name="known"/>.</exception>
    public static ImmutableSortedDictionary<string, string>.Builder CopyKnown(string type, IReadOnlyDictionary<string, string> options,
        IReadOnlyList<string> known)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(known);
        var result = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach ((string key, string value) in options)
        {
            if (!known.Contains(key, StringComparer.Ordinal))
            {
                throw ControlException.Invalid($"port type {type} has no option '{key}' (known: {string.Join(", ", known)})");
            }
            result[key] = value;
        }
        return result;
    }
}
