using System.Diagnostics;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;

namespace VSwitch.Ports.Pcap;

/// <summary>
/// A port backed by capture files (DPDK net_pcap's rx_pcap/tx_pcap): frames of an rx file enter the switch, replayed
/// once or looping, as fast as taken or at a rate; frames the switch sends are recorded into a tx file. Either file may
/// be absent. Design note: file I/O runs on the port's own threads (<see cref="PcapReplay"/>, <see cref="PcapRecorder"/>);
/// the datapath thread only copies frames between their bounded rings and its pool buffers, so it never blocks and
/// allocates nothing per frame. One receive queue with its own <see cref="PacketPool"/>, used only by the datapath thread
/// that polls it; one transmit queue whose senders are serialised by a <see cref="TxSpinLock"/> taken once per batch.
/// A bad rx file puts the port in <see cref="PortState.Error"/> with the reason; recording continues. Dispose stops both
/// threads (the tx file is flushed and closed) after the port was removed from the datapath.
/// </summary>
public sealed class PcapFilePort : IPort, IDisposable
{
    private readonly PcapReplay? _replay;
    private readonly PcapRecorder? _recorder;
    private readonly PacketPool _pool = new(PcapPortDefaults.PoolSize);
    private TxSpinLock _txLock;
    private bool _disposed;

    /// <summary>
    /// Creates the port and starts replaying <paramref name="rxFile"/> (if given) and recording into
    /// <paramref name="txFile"/> (if given; the file is created or truncated here).
    /// </summary>
    /// <param name="id">OpenFlow port number.</param>
    /// <param name="name">Port name.</param>
    /// <param name="rxFile">Absolute path of the capture to replay, or null.</param>
    /// <param name="rxRate">Frames per second, or null for as fast as the switch takes them.</param>
    /// <param name="rxLoop">Replay the file again and again.</param>
    /// <param name="txFile">Absolute path of the pcap file to record into, or null.</param>
    /// <exception cref="IOException">The tx file cannot be created.</exception>
    /// <exception cref="UnauthorizedAccessException">The tx file cannot be created (permission denied).</exception>
    public PcapFilePort(PortId id, string name, string? rxFile, double? rxRate, bool rxLoop, string? txFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (rxFile is null && txFile is null)
        {
            throw new ArgumentException("a pcap file port needs an rx file, a tx file or both");
        }
        if (rxRate is double r && !(r > 0 && double.IsFinite(r)))
        {
            throw new ArgumentOutOfRangeException(nameof(rxRate), "the replay rate must be a positive number");
        }
        Id = id;
        Name = name;
        RxFile = rxFile;
        RxRate = rxRate;
        RxLoop = rxLoop;
        TxFile = txFile;
        Stats = new PortStats(1);
        string thread = name.Length > 8 ? name[..8] : name;
        _recorder = txFile is null ? null : new PcapRecorder(txFile, "pcap-tx " + thread);
        _replay = rxFile is null ? null : new PcapReplay(rxFile, rxRate ?? 0, rxLoop, "pcap-rx " + thread);
    }

    /// <inheritdoc/>
    public PortId Id { get; }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The replayed file, or null.</summary>
    public string? RxFile { get; }

    /// <summary>The replay rate in frames per second, or null for unpaced.</summary>
    public double? RxRate { get; }

    /// <summary>True when the replay loops.</summary>
    public bool RxLoop { get; }

    /// <summary>The recording file, or null.</summary>
    public string? TxFile { get; }

    /// <inheritdoc/>
    public int RxQueueCount => _replay is null ? 0 : 1;

    /// <inheritdoc/>
    public int TxQueueCount => 1;

    /// <inheritdoc/>
    public PortState State
    {
        get
        {
            if (_disposed)
            {
                return PortState.Down;
            }
            return _replay?.Error is not null || _recorder?.Error is not null ? PortState.Error : PortState.Up;
        }
    }

    /// <inheritdoc/>
    public PortStats Stats { get; }

    /// <summary>The pool the receive queue rents from (for leak checks in tests).</summary>
    public PacketPool RxPool => _pool;

    /// <summary>A snapshot for port-status. Any thread.</summary>
    public PcapPortStatus GetStatus()
    {
        PortState state = State;
        string activity = state switch
        {
            PortState.Error => "failed",
            PortState.Down => "stopped",
            _ when _replay is { Finished: true } => "replay finished",
            _ when _replay is not null => "replaying",
            _ => "recording",
        };
        return new PcapPortStatus(false, state, activity, null, RxFile, RxRate, RxLoop, TxFile, _replay?.Replayed ?? 0,
            _replay?.LoopsDone ?? 0, _recorder?.Written ?? 0, _replay?.TooLarge ?? 0, _replay?.Error ?? _recorder?.Error);
    }

    /// <summary>
    /// Appends replayed frames, copied into this port's pool buffers; see <see cref="IPort.Receive"/>. Only the datapath
    /// thread that polls queue 0 calls this. Never blocks: frames not yet read or not yet due are simply not there.
    /// </summary>
    public int Receive(int queue, PacketBatch batch)
    {
        PcapReplay? replay = _replay;
        if (queue != 0 || replay is null || _disposed)
        {
            return 0;
        }
        QueueStats stats = Stats.Rx[0];
        FrameRing ring = replay.Ring;
        int n = 0;
        long bytes = 0;
        while (!batch.IsFull && ring.TryPeek(out ReadOnlySpan<byte> frame, out _))
        {
            if (!_pool.TryRent(out PacketBuffer? p))
            {
                stats.Drops.Add(DropReason.PoolExhausted);
                break;
            }
            if (!p.TryCopyFrom(frame))
            {
                p.Free();
                stats.Drops.Add(DropReason.PacketTooLarge);
                ring.Advance();
                continue;
            }
            ring.Advance();
            p.InPort = Id;
            batch.TryAdd(p);
            bytes += frame.Length;
            n++;
        }
        stats.Packets += n;
        stats.Bytes += bytes;
        return n;
    }

    /// <inheritdoc/>
    public void CompleteReceive(int queue)
    {
    }

    /// <summary>
    /// Queues a copy of every frame for the tx file (a full ring is counted as <see cref="DropReason.PcapRingFull"/>)
    /// and frees the packets; see <see cref="IPort.Send"/>. Without a tx file, frames are dropped as
    /// <see cref="DropReason.PortDown"/>.
    /// </summary>
    public void Send(int queue, PacketBatch batch)
    {
        QueueStats stats = Stats.Tx[0];
        PcapRecorder? recorder = _recorder;
        if (recorder is null || _disposed)
        {
            stats.Drops.Add(DropReason.PortDown, batch.Count);
            batch.FreeAll();
            return;
        }
        _txLock.Enter();
        long stamp = Stopwatch.GetTimestamp();
        int sent = 0;
        long bytes = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            PacketBuffer p = batch[i];
            if (recorder.TryEnqueue(p.Span, stamp))
            {
                sent++;
                bytes += p.Length;
            }
            else
            {
                stats.Drops.Add(recorder.Error is not null ? DropReason.PortDown
                    : p.Length > PcapPortDefaults.SlotSize ? DropReason.PacketTooLarge : DropReason.PcapRingFull);
            }
        }
        stats.Packets += sent;
        stats.Bytes += bytes;
        _txLock.Exit();
        batch.FreeAll();
    }

    /// <summary>Stops replaying and recording; the tx file holds every frame queued before this call.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _replay?.Dispose();
        _recorder?.Dispose();
    }
}
