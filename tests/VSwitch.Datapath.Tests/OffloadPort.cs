using System.Collections.Concurrent;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;

namespace VSwitch.Datapath.Tests;

/// <summary>
/// A fake port whose peer speaks offloads, as a tap or a guest with the offload features would: it receives frames
/// with offload metadata (super-frames up to 64 KiB included; owned copies, or lent like guest memory with
/// <see cref="Lend"/>), and it accepts on transmit exactly <see cref="TxOffloads"/>, recording each frame with the
/// metadata it was handed and the size of each <see cref="Send"/> batch. Generator mode replays frames forever for
/// allocation tests. Owning datapath thread only, except where noted.
/// </summary>
internal sealed unsafe class OffloadPort : IPort
{
    private readonly ConcurrentQueue<(byte[] Frame, PacketOffload Offload)> _injected = new();
    private (byte[] Frame, PacketOffload Offload)[]? _generator;
    private int _next;
    private readonly List<byte[]> _lent = [];

    public OffloadPort(PortId id, PortOffloads txOffloads = PortOffloads.None, int poolSize = 64)
    {
        Id = id;
        TxOffloads = txOffloads;
        Pool = new PacketPool(poolSize, dataRoom: 66_000);
    }

    public PortId Id { get; }

    public string Name => $"offload{Id.Value}";

    public int RxQueueCount => 1;

    public int TxQueueCount => 1;

    public PortState State => PortState.Up;

    public PortStats Stats { get; } = new(1);

    /// <summary>What the peer accepts on frames sent to it.</summary>
    public PortOffloads TxOffloads { get; set; }

    /// <summary>The receive pool (super-frames fit its buffers).</summary>
    public PacketPool Pool { get; }

    /// <summary>When true, received packets are lent (external, pointing at pinned arrays) instead of owned copies.</summary>
    public bool Lend { get; set; }

    /// <summary>When false, sent frames are only counted (no allocation), for allocation tests.</summary>
    public bool RecordSent { get; set; } = true;

    /// <summary>Frames sent, with their metadata, in order. Any thread may read after the datapath stopped.</summary>
    public List<(byte[] Frame, PacketOffload Offload)> Sent { get; } = [];

    /// <summary>The number of packets in each Send call.</summary>
    public List<int> SendSizes { get; } = [];

    /// <summary>Frames sent so far (counted also when not recorded).</summary>
    public long SentCount { get; private set; }

    /// <summary>Queues a frame with its metadata for reception.</summary>
    public void Inject(byte[] frame, PacketOffload offload) => _injected.Enqueue((frame, offload));

    /// <summary>Replays <paramref name="frames"/> forever, up to a batch per receive.</summary>
    public void LoadGenerator(params (byte[] Frame, PacketOffload Offload)[] frames) => _generator = frames;

    public int Receive(int queue, PacketBatch batch)
    {
        int n = 0;
        while (!batch.IsFull)
        {
            byte[] frame;
            PacketOffload offload;
            if (_generator is { } generator)
            {
                if (n == generator.Length)
                {
                    break;
                }
                (frame, offload) = generator[_next];
                _next = (_next + 1) % generator.Length;
            }
            else if (!_injected.TryDequeue(out var item))
            {
                break;
            }
            else
            {
                (frame, offload) = item;
            }
            if (!Pool.TryRent(out PacketBuffer? p))
            {
                break;
            }
            if (Lend)
            {
                byte[] lent = GC.AllocateArray<byte>(frame.Length, pinned: true);
                frame.CopyTo(lent);
                _lent.Add(lent);
                // SAFETY: a pinned array never moves, and _lent keeps it alive until CompleteReceive.
                fixed (byte* data = lent)
                {
                    p.AttachExternal(data, lent.Length);
                }
            }
            else if (!p.TryCopyFrom(frame))
            {
                p.Free();
                break;
            }
            p.Offload = offload;
            p.InPort = Id;
            batch.TryAdd(p);
            n++;
        }
        return n;
    }

    /// <summary>Poisons and forgets what the last receive lent, so a packet read after completion shows 0xEE bytes.</summary>
    public void CompleteReceive(int queue)
    {
        foreach (byte[] lent in _lent)
        {
            lent.AsSpan().Fill(0xEE);
        }
        _lent.Clear();
    }

    public void Send(int queue, PacketBatch batch)
    {
        if (RecordSent)
        {
            SendSizes.Add(batch.Count);
        }
        for (int i = 0; i < batch.Count; i++)
        {
            PacketBuffer p = batch[i];
            if (RecordSent)
            {
                Sent.Add((p.Span.ToArray(), p.Offload));
            }
        }
        SentCount += batch.Count;
        batch.FreeAll();
    }
}
