using System.Collections.Immutable;
using VSwitch.Control.Model;
using VSwitch.Control.Runtime;
using VSwitch.Core.Ports;

namespace VSwitch.Control.Ports;

/// <summary>
/// One port type as users name it in add-port (<c>vhostuser</c>, <c>vhostuserclient</c>, <c>tap</c>, <c>pcap</c>):
/// validates the type's options, creates running ports of the type and describes them for port-status. The only code
/// that knows a port's concrete class. Called on the control thread only, one call at a time.
/// </summary>
public interface IPortType
{
    /// <summary>The type name users give to add-port.</summary>
    string Type { get; }

    /// <summary>One line for help texts.</summary>
    string Description { get; }

    /// <summary>
    /// Checks the type-specific options of a new or changed port and returns them complete, defaults filled in
    /// (e.g. the socket path), so the stored configuration re-creates the same port after a restart.
    /// </summary>
    /// <exception cref="ControlException">An option is unknown, missing or invalid; the message names it.</exception>
    ImmutableSortedDictionary<string, string> NormalizeOptions(string portName, IReadOnlyDictionary<string, string> options,
        PortTypeContext context);

    /// <summary>The unix socket the port listens on or connects to, or null for types without one.</summary>
    string? SocketPath(PortConfig port);

    /// <summary>
    /// Creates and starts the port described by <paramref name="port"/>. The caller owns the result and disposes
    /// it (when it is <see cref="IDisposable"/>) after removing it from the datapath.
    /// </summary>
    /// <exception cref="ControlException">The port cannot be created (e.g. its socket path is unusable).</exception>
    IPort Create(PortConfig port);

    /// <summary>The connection and device state of <paramref name="port"/>, created from <paramref name="config"/>, for port-status.</summary>
    PortStatusReport Describe(IPort port, PortConfig config);

    /// <summary>
    /// Applies a changed MTU to the running <paramref name="port"/> without re-creating it, when the type can; called
    /// by set-port when nothing but the MTU changed. Returns false (nothing changed) to have the port re-created
    /// instead, which is the default.
    /// </summary>
    /// <exception cref="ControlException">The device refused the change; the port is as it was.</exception>
    bool TryChangeMtu(IPort port, PortConfig next) => false;

    /// <summary>
    /// 0, or the split-horizon group the datapath puts ports of this type in: NORMAL never forwards a frame between two
    /// ports of one group (tunnel types use one group, so a full mesh of tunnels has no loops). The default is 0.
    /// </summary>
    int SplitHorizonGroup(PortConfig port) => 0;
}
