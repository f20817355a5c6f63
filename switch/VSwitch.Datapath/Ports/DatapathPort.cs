using VSwitch.Core.Ports;
using VSwitch.Datapath.Capture;

namespace VSwitch.Datapath.Ports;

/// <summary>
/// A port as the datapath sees it: the <see cref="IPort"/> plus its forwarding settings. Immutable and
/// thread-safe; part of a <see cref="Pipeline.DatapathConfig"/> snapshot.
/// </summary>
public sealed class DatapathPort
{
    /// <summary>
    /// Wraps <paramref name="port"/> with VLAN settings (default: trunk of all VLANs), flood behaviour, the port's
    /// capture point (pass the same one to every snapshot of the port so running captures survive; default: a new one)
    /// and its split-horizon group (default 0: none).
    /// </summary>
    public DatapathPort(IPort port, PortVlanConfig? vlan = null, bool noFlood = false, CapturePoint? capture = null,
        int splitHorizonGroup = 0)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentOutOfRangeException.ThrowIfNegative(splitHorizonGroup);
        Port = port;
        Id = port.Id;
        Vlan = vlan ?? PortVlanConfig.TrunkAll;
        NoFlood = noFlood;
        Capture = capture ?? new CapturePoint();
        SplitHorizonGroup = splitHorizonGroup;
    }

    /// <summary>The port.</summary>
    public IPort Port { get; }

    /// <summary>The port's number (read once from <see cref="IPort.Id"/>).</summary>
    public PortId Id { get; }

    /// <summary>VLAN settings used by the NORMAL action.</summary>
    public PortVlanConfig Vlan { get; }

    /// <summary>When true, <c>flood</c> and NORMAL's flooding skip this port (OpenFlow <c>no-flood</c>); <c>all</c> does not.</summary>
    public bool NoFlood { get; }

    /// <summary>
    /// 0, or the port's split-horizon group: NORMAL never forwards a frame between two ports of the same group (not when
    /// flooding, not to a learnt address), as VPLS keeps pseudowires apart. Tunnel ports share one group, so a full mesh of
    /// tunnels has no loops: each host floods to every tunnel, and what arrives on a tunnel goes only to local ports.
    /// OpenFlow's <c>output</c>, <c>flood</c> and <c>all</c> ignore it, as they ignore VLAN settings.
    /// </summary>
    public int SplitHorizonGroup { get; }

    /// <summary>Where captures of this port attach (shared by every snapshot of the port).</summary>
    public CapturePoint Capture { get; }
}
