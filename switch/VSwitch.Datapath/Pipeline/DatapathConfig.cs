using System.Runtime.CompilerServices;
using VSwitch.Core.Ports;
using VSwitch.Datapath.Learning;
using VSwitch.Datapath.Ports;
using VSwitch.Flows.Translation;

namespace VSwitch.Datapath.Pipeline;

/// <summary>
/// One immutable snapshot of everything a datapath thread needs to forward: the ports (each with a dense index,
/// its position in <see cref="Ports"/>), the OpenFlow pipeline and the MAC learning table. The control plane builds
/// a new snapshot for every change and publishes it through <see cref="SwitchDatapath.Publish"/>; datapath threads
/// read it once per batch. Thread-safe (immutable; the MAC table it references is itself thread-safe).
/// Cost: finding a port by number is one array load.
/// </summary>
public sealed class DatapathConfig
{
    private readonly DatapathPort[] _ports;
    private readonly short[] _indexById;

    /// <summary>Builds a snapshot. Port numbers must be unique and at most <see cref="PortId.MaxValue"/>.</summary>
    /// <exception cref="ArgumentException">Two ports share a number, or there are more than 32767 ports.</exception>
    public DatapathConfig(IReadOnlyList<DatapathPort> ports, FlowPipeline pipeline, MacLearningTable macTable)
    {
        ArgumentNullException.ThrowIfNull(ports);
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(macTable);
        if (ports.Count > short.MaxValue)
        {
            throw new ArgumentException("too many ports", nameof(ports));
        }
        _ports = [.. ports];
        int maxId = 0;
        foreach (DatapathPort p in _ports)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(p.Id.Value, PortId.MaxValue, nameof(ports));
            maxId = Math.Max(maxId, p.Id.Value);
        }
        _indexById = new short[maxId + 1];
        Array.Fill(_indexById, (short)-1);
        for (int i = 0; i < _ports.Length; i++)
        {
            ref short slot = ref _indexById[_ports[i].Id.Value];
            if (slot >= 0)
            {
                throw new ArgumentException($"port number {_ports[i].Id} is used twice", nameof(ports));
            }
            slot = (short)i;
        }
        Pipeline = pipeline;
        MacTable = macTable;
    }

    /// <summary>The ports; a port's index in this list is its dense index in this snapshot.</summary>
    public IReadOnlyList<DatapathPort> Ports => _ports;

    /// <summary>The OpenFlow pipeline (its generation tags every cached translation).</summary>
    public FlowPipeline Pipeline { get; }

    /// <summary>The forwarding database used by the NORMAL action (shared across snapshots and threads).</summary>
    public MacLearningTable MacTable { get; }

    /// <summary>The port array, for the datapath's per-packet loops.</summary>
    internal DatapathPort[] PortArray => _ports;

    /// <summary>The dense index of port number <paramref name="portId"/>, or -1 when the snapshot has no such port.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int IndexOf(ushort portId)
    {
        short[] map = _indexById;
        return portId < map.Length ? map[portId] : -1;
    }
}
