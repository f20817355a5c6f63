using System.Collections.Immutable;

namespace VSwitch.Control.Model;

/// <summary>
/// The whole persistent configuration of the switch: one bridge, its ports, its flows and groups (as ovs-ofctl
/// text lines with port numbers) and the switch-wide settings. Immutable: every change makes a new snapshot, which
/// <see cref="Store.ConfigStore"/> writes before the change is acknowledged. Thread-safe to read. Groups came later
/// than format 1's first files: a DB without them loads with none.
/// </summary>
/// <param name="Format">Version of this layout; <see cref="CurrentFormat"/> when written by this build.</param>
/// <param name="Bridge">The bridge's name.</param>
/// <param name="Ports">Ports in the order they were added.</param>
/// <param name="Flows">The flow tables, one flow per line, in the order the flows were added.</param>
/// <param name="Settings">Switch-wide settings.</param>
/// <param name="Groups">The OpenFlow groups, one per line (ovs-ofctl add-group syntax), by id.</param>
public sealed record SwitchConfig(int Format, string Bridge, ImmutableArray<PortConfig> Ports, ImmutableArray<string> Flows,
    SwitchSettings Settings, ImmutableArray<string> Groups = default)
{
    /// <summary>The groups (never default).</summary>
    public ImmutableArray<string> Groups { get; init; } = Groups.IsDefault ? [] : Groups;

    /// <summary>The layout version this build reads and writes.</summary>
    public const int CurrentFormat = 1;

    /// <summary>The only flow of a new switch: everything goes through MAC learning.</summary>
    public const string DefaultFlow = "priority=0,actions=normal";

    /// <summary>A new switch: bridge <c>br0</c>, no ports, the single flow <c>priority=0,actions=normal</c>, default settings.</summary>
    public static SwitchConfig Default { get; } =
        new(CurrentFormat, "br0", [], [DefaultFlow], new SwitchSettings());

    /// <summary>The port called <paramref name="name"/>, or null.</summary>
    public PortConfig? FindPort(string name)
    {
        foreach (PortConfig p in Ports)
        {
            if (string.Equals(p.Name, name, StringComparison.Ordinal))
            {
                return p;
            }
        }
        return null;
    }

    /// <summary>The port numbered <paramref name="ofPort"/>, or null.</summary>
    public PortConfig? FindPort(int ofPort)
    {
        foreach (PortConfig p in Ports)
        {
            if (p.OfPort == ofPort)
            {
                return p;
            }
        }
        return null;
    }

    /// <summary>A copy with <paramref name="port"/> added, or replacing the port of the same name in place.</summary>
    public SwitchConfig WithPort(PortConfig port)
    {
        ArgumentNullException.ThrowIfNull(port);
        for (int i = 0; i < Ports.Length; i++)
        {
            if (string.Equals(Ports[i].Name, port.Name, StringComparison.Ordinal))
            {
                return this with { Ports = Ports.SetItem(i, port) };
            }
        }
        return this with { Ports = Ports.Add(port) };
    }

    /// <summary>A copy without the port called <paramref name="name"/>.</summary>
    public SwitchConfig WithoutPort(string name) =>
        this with { Ports = Ports.RemoveAll(p => string.Equals(p.Name, name, StringComparison.Ordinal)) };

    /// <summary>
    /// Checks what the type system cannot: format version, unique port names and numbers, valid names,
    /// numbers and VLANs, and settings in range. Returns the first problem, or null when the snapshot is sound.
    /// </summary>
    public string? FindProblem()
    {
        if (Format != CurrentFormat)
        {
            return $"format {Format} is not supported (this build reads format {CurrentFormat})";
        }
        if (!PortName.IsValid(Bridge))
        {
            return $"bridge name '{Bridge}' is not valid";
        }
        if (Ports.IsDefault || Flows.IsDefault || Settings is null)
        {
            return "ports, flows and settings must all be present";
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        var numbers = new HashSet<int>();
        foreach (PortConfig p in Ports)
        {
            if (p is null)
            {
                return "a port entry is null";
            }
            string? problem = p.FindProblem();
            if (problem is not null)
            {
                return $"port '{p.Name}': {problem}";
            }
            if (!names.Add(p.Name))
            {
                return $"port name '{p.Name}' is used twice";
            }
            if (!numbers.Add(p.OfPort))
            {
                return $"ofport {p.OfPort} is used twice";
            }
        }
        foreach (string f in Flows)
        {
            if (f is null)
            {
                return "a flow entry is null";
            }
        }
        foreach (string g in Groups)
        {
            if (g is null)
            {
                return "a group entry is null";
            }
        }
        return Settings.FindProblem();
    }
}
