using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using VSwitch.Core.Diagnostics;

namespace VSwitch.Ports.Vxlan;

/// <summary>
/// Which port of a shared endpoint a received VXLAN packet belongs to, by its outer source address and its VNI, the most
/// specific match first: (remote, VNI), then (remote, <c>key=flow</c>), then (<c>remote_ip=flow</c>, VNI), then (flow,
/// flow), as OVS's tunnel port lookup orders them. Immutable; built on the control side when a port joins or leaves
/// and read by the polling datapath thread without locks. Cost: one frozen-dictionary probe when no port of the
/// endpoint is flow-based, at most four otherwise; no allocation.
/// </summary>
internal sealed class VxlanDemux
{
    private const ulong AnyVni = 0x8000_0000;
    private const ulong AnyRemote = 0x4000_0000;

    private readonly FrozenDictionary<ulong, VxlanPort> _ports;
    private readonly FrozenDictionary<uint, VxlanPort> _remotes;
    private readonly bool _hasWildcards;
    private readonly bool _hasFlowRemote;

    /// <summary>A table of <paramref name="members"/>; two members with the same remote and key are refused.</summary>
    /// <exception cref="ArgumentException">Two members would receive the same packets.</exception>
    public VxlanDemux(IReadOnlyList<VxlanPort> members)
    {
        var ports = new Dictionary<ulong, VxlanPort>();
        var remotes = new Dictionary<uint, VxlanPort>();
        foreach (VxlanPort p in members)
        {
            ulong key = KeyOf(p.RemoteIp, p.Vni);
            if (!ports.TryAdd(key, p))
            {
                throw new ArgumentException(
                    $"port '{p.Name}' would receive the same packets as port '{ports[key].Name}' (same local address, UDP port, remote and key)");
            }
            if (p.RemoteIp is uint r)
            {
                remotes.TryAdd(r, p);
            }
            else
            {
                _hasFlowRemote = true;
            }
            _hasWildcards |= p.RemoteIp is null || p.Vni is null;
        }
        _ports = ports.ToFrozenDictionary();
        _remotes = remotes.ToFrozenDictionary();
        Members = [.. members];
    }

    /// <summary>An endpoint without ports.</summary>
    public static VxlanDemux Empty { get; } = new([]);

    /// <summary>The ports, in the order they joined.</summary>
    public IReadOnlyList<VxlanPort> Members { get; }

    /// <summary>
    /// The port that receives a packet from <paramref name="source"/> with <paramref name="vni"/>, or null with the reason:
    /// <see cref="DropReason.TunnelBadVni"/> when some port takes packets from that source (or from any source) but not with
    /// that VNI, <see cref="DropReason.TunnelUnknownRemote"/> when no port has that remote. On a miss
    /// <see cref="MissOwner"/> says which port the drop is counted on (the first port with that remote), or null.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public VxlanPort? Find(uint source, uint vni, out DropReason reason)
    {
        reason = default;
        if (_ports.TryGetValue(((ulong)source << 32) | vni, out VxlanPort? port))
        {
            return port;
        }
        return _hasWildcards ? FindWildcard(source, vni, out reason) : Miss(source, out reason);
    }

    private VxlanPort? FindWildcard(uint source, uint vni, out DropReason reason)
    {
        reason = default;
        if (_ports.TryGetValue(((ulong)source << 32) | AnyVni, out VxlanPort? port)
            || _ports.TryGetValue(AnyRemote | vni, out port)
            || _ports.TryGetValue(AnyRemote | AnyVni, out port))
        {
            return port;
        }
        return Miss(source, out reason);
    }

    private VxlanPort? Miss(uint source, out DropReason reason)
    {
        bool known = _remotes.ContainsKey(source);
        reason = known || _hasFlowRemote ? DropReason.TunnelBadVni : DropReason.TunnelUnknownRemote;
        return null;
    }

    /// <summary>The first port whose remote is <paramref name="source"/>, or null (a miss is then counted on the endpoint's poller).</summary>
    public VxlanPort? MissOwner(uint source) => _remotes.GetValueOrDefault(source);

    private static ulong KeyOf(uint? remote, uint? vni) =>
        (remote is uint r ? (ulong)r << 32 : AnyRemote) | (vni is uint v ? v : AnyVni);
}
