using System.Runtime.CompilerServices;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Datapath.Capture;
using VSwitch.Datapath.Ports;

namespace VSwitch.Datapath.Pipeline;

/// <summary>
/// Per-output-port packet batches of one datapath thread (OVS <c>tx_port</c> output batches). Packets are
/// appended during an iteration and handed to each port with one <c>Send</c> per batch at <see cref="Flush"/>, or
/// earlier when a port's batch fills up. Ownership: the buffers own every packet added until it is sent; after
/// <see cref="Flush"/> all batches are empty. Owning thread only. Cost: an append is two stores; the arrays grow
/// only when a snapshot with more ports than ever before arrives (control-plane driven, not per packet).
/// </summary>
internal sealed class TxBuffers
{
    private readonly PmdStats _stats;
    private readonly int _threadIndex;
    private PacketBatch[] _batches = [];
    private int[] _dirty = [];
    private int _dirtyCount;
    private DatapathPort[] _ports = [];

    public TxBuffers(PmdStats stats, int threadIndex)
    {
        _stats = stats;
        _threadIndex = threadIndex;
    }

    /// <summary>Starts an iteration with the ports of <paramref name="config"/>. The buffers must be empty.</summary>
    public void Begin(DatapathConfig config)
    {
        _ports = config.PortArray;
        if (_batches.Length < _ports.Length)
        {
            Grow(_ports.Length);
        }
    }

    /// <summary>Queues <paramref name="packet"/> (now owned by the buffers) for the port at dense index <paramref name="portIndex"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int portIndex, PacketBuffer packet)
    {
        PacketBatch batch = _batches[portIndex];
        if (batch.Count == 0)
        {
            _dirty[_dirtyCount++] = portIndex;
        }
        else if (batch.IsFull)
        {
            Send(portIndex, batch);
        }
        batch.TryAdd(packet);
    }

    /// <summary>Sends every non-empty batch, one <c>Send</c> per port.</summary>
    public void Flush()
    {
        for (int i = 0; i < _dirtyCount; i++)
        {
            int portIndex = _dirty[i];
            PacketBatch batch = _batches[portIndex];
            if (batch.Count != 0)
            {
                Send(portIndex, batch);
            }
        }
        _dirtyCount = 0;
    }

    private void Send(int portIndex, PacketBatch batch)
    {
        DatapathPort target = _ports[portIndex];
        IPort port = target.Port;
        int queues = port.TxQueueCount;
        CaptureTap[]? taps = target.Capture.Taps;
        if (queues <= 0)
        {
            if (taps is not null)
            {
                CaptureHooks.RecordDroppedBatch(taps, batch, DropReason.PortDown, _stats.Drops);
            }
            _stats.Drops.Add(DropReason.PortDown, batch.Count);
            batch.FreeAll();
            return;
        }
        _stats.TxPackets += batch.Count;
        _stats.TxBatches++;
        if (taps is not null)
        {
            CaptureHooks.RecordBatch(taps, batch, CaptureKind.Tx, _stats.Drops);
        }
        port.Send(_threadIndex % queues, batch);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int ports)
    {
        var batches = new PacketBatch[ports];
        Array.Copy(_batches, batches, _batches.Length);
        for (int i = _batches.Length; i < ports; i++)
        {
            batches[i] = new PacketBatch();
        }
        _batches = batches;
        _dirty = new int[ports];
    }
}
