using System.Runtime.CompilerServices;
using VSwitch.Core.Net;

namespace VSwitch.Datapath.Ports;

/// <summary>
/// A port's VLAN settings for the NORMAL action (OVS <c>tag</c>, <c>trunks</c>, <c>vlan_mode</c>); OpenFlow
/// <c>output</c>, <c>flood</c> and <c>all</c> ignore them, as in OVS. Immutable and thread-safe: the control plane
/// builds one, datapath threads read it. Design note: the trunk set is a 4096-bit map, so every ingress and egress
/// decision is a few shifts and one load.
/// </summary>
public sealed class PortVlanConfig
{
    private readonly ulong[] _trunks = new ulong[64];

    private PortVlanConfig(VlanMode mode, ushort tag, IEnumerable<ushort>? trunks)
    {
        if (tag > VlanTag.MaxVid || (mode != VlanMode.Trunk && tag == 0))
        {
            throw new ArgumentOutOfRangeException(nameof(tag), tag, "the VLAN tag must be 1..4095");
        }
        Mode = mode;
        Tag = tag;
        var list = new SortedSet<ushort>();
        if (trunks is not null)
        {
            foreach (ushort vid in trunks)
            {
                if (vid > VlanTag.MaxVid)
                {
                    throw new ArgumentOutOfRangeException(nameof(trunks), vid, "a trunked VLAN must be 0..4095");
                }
                list.Add(vid);
            }
        }
        Trunks = [.. list];
        TrunksAll = list.Count == 0;
        if (TrunksAll)
        {
            Array.Fill(_trunks, ulong.MaxValue);
        }
        foreach (ushort vid in list)
        {
            _trunks[vid >> 6] |= 1UL << (vid & 63);
        }
        if (mode is VlanMode.NativeTagged or VlanMode.NativeUntagged)
        {
            _trunks[tag >> 6] |= 1UL << (tag & 63);
        }
    }

    /// <summary>The default: a trunk of every VLAN (untagged frames are VLAN 0).</summary>
    public static PortVlanConfig TrunkAll { get; } = new(VlanMode.Trunk, 0, null);

    /// <summary>The mode.</summary>
    public VlanMode Mode { get; }

    /// <summary>The access VLAN, or the native VLAN of a native mode; 0 for a plain trunk.</summary>
    public ushort Tag { get; }

    /// <summary>True when the trunk list is empty, meaning every VLAN.</summary>
    public bool TrunksAll { get; }

    /// <summary>The trunked VLANs, ascending (empty = all).</summary>
    public IReadOnlyList<ushort> Trunks { get; }

    /// <summary><c>tag=N</c> (1..4095).</summary>
    public static PortVlanConfig Access(ushort tag) => new(VlanMode.Access, tag, null);

    /// <summary><c>trunks=LIST</c>; an empty or null list carries every VLAN.</summary>
    public static PortVlanConfig Trunk(IEnumerable<ushort>? vlans) => new(VlanMode.Trunk, 0, vlans);

    /// <summary>
    /// <c>vlan_mode=native-tagged|native-untagged,tag=N,trunks=LIST</c>: a trunk (all VLANs when the list is empty)
    /// whose untagged frames belong to VLAN <paramref name="tag"/>.
    /// </summary>
    public static PortVlanConfig Native(ushort tag, IEnumerable<ushort>? trunks, bool untagged) =>
        new(untagged ? VlanMode.NativeUntagged : VlanMode.NativeTagged, tag, trunks);

    /// <summary>
    /// The VLAN a frame arriving on this port belongs to. <paramref name="tci"/> is the frame's 802.1Q TCI, or
    /// -1 when the frame carries no 802.1Q tag. Returns false when the port must drop the frame. Any thread.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryIngress(int tci, out ushort vlan)
    {
        int vid = tci < 0 ? 0 : tci & 0x0fff;
        switch (Mode)
        {
            case VlanMode.Access:
                vlan = Tag;
                return vid == 0;
            case VlanMode.Trunk:
                vlan = (ushort)vid;
                return Carries(vlan);
            default:
                vlan = vid == 0 ? Tag : (ushort)vid;
                return Carries(vlan);
        }
    }

    /// <summary>How a frame of <paramref name="vlan"/> leaves this port. Any thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public VlanEgress Egress(ushort vlan)
    {
        switch (Mode)
        {
            case VlanMode.Access:
                return vlan == Tag ? VlanEgress.Untagged : VlanEgress.Deny;
            case VlanMode.Trunk:
                return !Carries(vlan) ? VlanEgress.Deny : vlan == 0 ? VlanEgress.Untagged : VlanEgress.Tagged;
            case VlanMode.NativeUntagged:
                return !Carries(vlan) ? VlanEgress.Deny : vlan == Tag ? VlanEgress.Untagged : VlanEgress.Tagged;
            default:
                return Carries(vlan) ? VlanEgress.Tagged : VlanEgress.Deny;
        }
    }

    /// <summary>True when the port's trunk set (with the native VLAN) includes <paramref name="vlan"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Carries(ushort vlan) => ((_trunks[(vlan >> 6) & 63] >> (vlan & 63)) & 1) != 0;
}
