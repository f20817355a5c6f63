using VSwitch.Flows.Translation;

namespace VSwitch.Flows.Cache;

/// <summary>
/// One translated flow in a <see cref="FlowCache"/>: where its ops and credits are in the cache's arrays, how its
/// packets are forwarded in the common shapes, and which op hands over the original packet (earlier outputs send
/// copies). A plain value, read by reference from the cache.
/// </summary>
public struct CachedFlow
{
    /// <summary>Index of the first op.</summary>
    public int OpStart;

    /// <summary>Number of ops.</summary>
    public int OpCount;

    /// <summary>Index of the first credit.</summary>
    public int CreditStart;

    /// <summary>Number of credits.</summary>
    public int CreditCount;

    /// <summary>
    /// Index (relative to <see cref="OpStart"/>) of the last top-level op that uses the packet (an output or a clone
    /// scope): it gets the original, earlier ones a copy. -1 when no op sends the packet anywhere.
    /// </summary>
    public int LastUse;

    /// <summary>The common shapes the datapath runs without interpreting ops.</summary>
    public FlowShape Shape;

    /// <summary>For <see cref="FlowShape.Output"/>: the port.</summary>
    public ushort Port;

    /// <summary>How the walk ended (why a packet sent nowhere was dropped).</summary>
    public FlowEnd End;

    /// <summary>Index of the mask this flow is filed under (megaflow).</summary>
    internal int MaskIndex;
}
