using VSwitch.Core.Ports;

namespace VSwitch.VhostUser;

/// <summary>One state change of a vhost-user port, raised on the port's session thread.</summary>
public sealed class VhostUserPortEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    public VhostUserPortEventArgs(VhostUserPortEventKind kind, PortState state, int ring)
    {
        Kind = kind;
        State = state;
        Ring = ring;
    }

    /// <summary>What happened.</summary>
    public VhostUserPortEventKind Kind { get; }

    /// <summary>The port state after the change.</summary>
    public PortState State { get; }

    /// <summary>The vring index for ring events, else -1.</summary>
    public int Ring { get; }
}
