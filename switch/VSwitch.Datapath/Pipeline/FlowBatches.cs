using System.Runtime.CompilerServices;
using VSwitch.Core.Packets;

namespace VSwitch.Datapath.Pipeline;

/// <summary>
/// The packets of one receive batch grouped by the translated flow they hit (OVS <c>packet_batch_per_flow</c>),
/// keeping receive order within each group, with each group's packet and byte totals for the flow's counters.
/// Design note: grouping compares flow indexes, checking the previous packet's group first (runs of one flow
/// are the common case) and then the others; a batch has at most 32 groups. A counting sort then lays the packet
/// indices out group by group. Owning datapath thread only; fixed arrays, no allocation.
/// </summary>
internal sealed class FlowBatches
{
    private readonly int[] _flows = new int[PacketBatch.Capacity];
    private readonly int[] _counts = new int[PacketBatch.Capacity];
    private readonly long[] _bytes = new long[PacketBatch.Capacity];
    private readonly int[] _groupOf = new int[PacketBatch.Capacity];
    private readonly int[] _start = new int[PacketBatch.Capacity + 1];
    private readonly int[] _cursor = new int[PacketBatch.Capacity];
    private readonly int[] _order = new int[PacketBatch.Capacity];
    private readonly int[] _identity = CreateIdentity();

    /// <summary>Number of groups built by the last <see cref="Build"/>.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// Groups packets 0..<paramref name="n"/>-1 by <paramref name="flows"/> (packets whose flow is negative are skipped),
    /// adding up <paramref name="lengths"/> per group.
    /// </summary>
    public void Build(int n, int[] flows, int[] lengths)
    {
        int groups = 0;
        int last = -1;
        for (int i = 0; i < n; i++)
        {
            int flow = flows[i];
            if (flow < 0)
            {
                _groupOf[i] = -1;
                continue;
            }
            int g = last >= 0 && _flows[last] == flow ? last : Find(flow, groups);
            if (g < 0)
            {
                g = groups++;
                _flows[g] = flow;
                _counts[g] = 0;
                _bytes[g] = 0;
            }
            _groupOf[i] = g;
            _counts[g]++;
            _bytes[g] += lengths[i];
            last = g;
        }
        _start[0] = 0;
        for (int g = 0; g < groups; g++)
        {
            _start[g + 1] = _start[g] + _counts[g];
            _cursor[g] = _start[g];
        }
        for (int i = 0; i < n; i++)
        {
            int g = _groupOf[i];
            if (g >= 0)
            {
                _order[_cursor[g]++] = i;
            }
        }
        Count = groups;
    }

    /// <summary>Makes packets 0..<paramref name="n"/>-1, all hitting <paramref name="flow"/>, the one group (no sorting needed).</summary>
    public void BuildSingle(int n, int flow, long bytes)
    {
        _identity.AsSpan(0, n).CopyTo(_order);
        _flows[0] = flow;
        _counts[0] = n;
        _bytes[0] = bytes;
        _start[0] = 0;
        Count = 1;
    }

    /// <summary>The flow index of group <paramref name="group"/>.</summary>
    public int Flow(int group) => _flows[group];

    /// <summary>Bytes of the packets in group <paramref name="group"/> (as received).</summary>
    public long Bytes(int group) => _bytes[group];

    /// <summary>Indices (in the receive batch, ascending) of the packets in group <paramref name="group"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<int> Packets(int group) => _order.AsSpan(_start[group], _counts[group]);

    /// <summary>Forgets the groups.</summary>
    public void Clear() => Count = 0;

    private static int[] CreateIdentity()
    {
        var identity = new int[PacketBatch.Capacity];
        for (int i = 0; i < identity.Length; i++)
        {
            identity[i] = i;
        }
        return identity;
    }

    private int Find(int flow, int groups)
    {
        for (int g = 0; g < groups; g++)
        {
            if (_flows[g] == flow)
            {
                return g;
            }
        }
        return -1;
    }
}
