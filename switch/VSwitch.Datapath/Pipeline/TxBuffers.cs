using System.Runtime.CompilerServices;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Offload;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Datapath.Capture;
using VSwitch.Datapath.Ports;

namespace VSwitch.Datapath.Pipeline;

/// <summary>
/// Per-output-port packet batches of one datapath thread (OVS <c>tx_port</c> output batches). Packets are
/// appended during an iteration and handed to each port with one <c>Send</c> per batch at <see cref="Flush"/>, or
/// earlier when a port's batch fills up. Ownership: the buffers own every packet added until it is sent; after
/// <see cref="Flush"/> all batches are empty. Owning thread only. Cost: an append is two stores and a test; the arrays
/// grow only when a snapshot with more ports than ever before arrives (control-plane driven, not per packet).
/// Offloads: a frame that asks for more than its port's peer accepts (<see cref="IPort.TxOffloads"/>) is finished
/// here, just before the port's <c>Send</c>: its checksum completed in place, or the super-frame cut into segments
/// rented from the thread's pool (in as many batches of <see cref="PacketBatch.Capacity"/> as it takes). Whether any
/// frame of the iteration asks for anything is one flag set by <see cref="Add"/>, so plain traffic pays one branch per
/// batch for all of it.
/// </summary>
internal sealed class TxBuffers
{
    private readonly PmdStats _stats;
    private readonly int _threadIndex;
    private readonly PacketPool _segmentPool;
    private readonly PacketBatch _finished = new();
    private readonly OffloadCaptureScratch _scratch;
    private PacketBatch[] _batches = [];
    private int[] _dirty = [];
    private int _dirtyCount;
    private DatapathPort[] _ports = [];
    private bool _offloaded;

    public TxBuffers(PmdStats stats, int threadIndex, PacketPool segmentPool, OffloadCaptureScratch scratch)
    {
        _stats = stats;
        _threadIndex = threadIndex;
        _segmentPool = segmentPool;
        _scratch = scratch;
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
        ref PacketOffload offload = ref packet.Offload;
        if (((int)(offload.Flags & OffloadFlags.NeedsCsum) | (int)offload.Gso) != 0)
        {
            _offloaded = true; // a well-predicted branch: plain traffic never stores here
        }
    }

    /// <summary>Sends every non-empty batch, one <c>Send</c> per port (more when super-frames were segmented).</summary>
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
        _offloaded = false;
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
        if (_offloaded)
        {
            SendFinishing(port, _threadIndex % queues, taps, batch);
            return;
        }
        Transmit(port, _threadIndex % queues, taps, batch);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Transmit(IPort port, int queue, CaptureTap[]? taps, PacketBatch batch)
    {
        _stats.TxPackets += batch.Count;
        _stats.TxBatches++;
        if (taps is not null)
        {
            CaptureHooks.RecordBatch(taps, batch, CaptureKind.Tx, _stats.Drops, _scratch);
        }
        port.Send(queue, batch);
    }

    /// <summary>
    /// The rare path: some frame of this iteration asks for offloads. Moves the batch's packets, in order, into the
    /// staging batch, finishing each one the port's peer does not take whole; a super-frame's segments take its place.
    /// Every full staging batch is transmitted at once; <paramref name="batch"/> is empty on return.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void SendFinishing(IPort port, int queue, CaptureTap[]? taps, PacketBatch batch)
    {
        PortOffloads accepted = port.TxOffloads;
        PacketBatch output = _finished;
        for (int i = 0; i < batch.Count; i++)
        {
            PacketBuffer packet = batch[i];
            switch (SoftwareOffload.WorkFor(in packet.Offload, accepted))
            {
                case OffloadWork.Segment:
                    Segment(port, queue, taps, packet);
                    continue;
                case OffloadWork.Checksum when !SoftwareOffload.TryCompleteChecksum(packet, out DropReason reason):
                    Drop(taps, packet, reason);
                    continue;
            }
            if (output.IsFull)
            {
                Transmit(port, queue, taps, output);
            }
            output.TryAdd(packet);
        }
        batch.Clear();
        if (output.Count != 0)
        {
            Transmit(port, queue, taps, output);
        }
    }

    /// <summary>Replaces <paramref name="superFrame"/> (owned here; freed) by its segments in the staging batch.</summary>
    private void Segment(IPort port, int queue, CaptureTap[]? taps, PacketBuffer superFrame)
    {
        if (!TcpSegmenter.TryParse(superFrame.Span, in superFrame.Offload, out TcpSuperFrame layout, out DropReason reason))
        {
            Drop(taps, superFrame, reason);
            return;
        }
        PacketBatch output = _finished;
        int count = layout.SegmentCount;
        for (int s = 0; s < count; s++)
        {
            if (!_segmentPool.TryRent(out PacketBuffer? segment))
            {
                _stats.Drops.Add(DropReason.PoolExhausted, count - s);
                break;
            }
            if (!TcpSegmenter.TryWriteSegment(superFrame, in layout, s, segment))
            {
                // Every segment is at most as long as the first, so none of them fits the pool's buffers.
                segment.Free();
                _stats.Drops.Add(DropReason.PacketTooLarge, count - s);
                break;
            }
            if (output.IsFull)
            {
                Transmit(port, queue, taps, output);
            }
            output.TryAdd(segment);
        }
        superFrame.Free();
    }

    private void Drop(CaptureTap[]? taps, PacketBuffer packet, DropReason reason)
    {
        if (taps is not null)
        {
            CaptureHooks.RecordDrop(taps, packet, reason, _stats.Drops);
        }
        _stats.Drops.Add(reason);
        packet.Free();
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
