using VSwitch.Core.Ports;

namespace VSwitch.Ports.Tap;

/// <summary>A snapshot of a <see cref="TapPort"/> for port-status. Immutable.</summary>
/// <param name="State">The port state derived from the interface flags.</param>
/// <param name="IfName">The interface's current name.</param>
/// <param name="IfIndex">Its ifindex in the namespace it lives in, or 0 if unknown.</param>
/// <param name="Created">True when the port created the interface (it disappears with the port); false when it attached to an existing persistent tap (left in place).</param>
/// <param name="Queues">Queues (fds) open.</param>
/// <param name="Mtu">The interface MTU, or null if unknown.</param>
/// <param name="Flags">Interface flags by name, e.g. "UP,RUNNING".</param>
/// <param name="OtherNamespace">True when the interface was moved to another network namespace.</param>
/// <param name="LastError">The last error seen on the control side or by the datapath, or null.</param>
public sealed record TapPortStatus(PortState State, string IfName, int IfIndex, bool Created, int Queues, int? Mtu, string Flags,
    bool OtherNamespace, string? LastError)
{
    /// <summary>The offloads enabled with TUNSETOFFLOAD (what the kernel may hand over and takes back), or none.</summary>
    public PortOffloads Offloads { get; init; }

    /// <summary>Super-frames (a vnet header with a GSO type) received from the kernel, all queues.</summary>
    public long RxSuperFrames { get; init; }

    /// <summary>Super-frames written to the kernel, all queues.</summary>
    public long TxSuperFrames { get; init; }
}
