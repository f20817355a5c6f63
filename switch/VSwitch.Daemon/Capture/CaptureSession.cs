using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using VSwitch.Control;
using VSwitch.Control.Runtime;
using VSwitch.Datapath.Capture;
using VSwitch.Ports.Pcap;

namespace VSwitch.Daemon.Capture;

/// <summary>
/// One capture: its sink (ring) attached to the ports' capture points, the unix socket its file streams through, and
/// the writer thread that drains the ring, filters, formats and writes. Life: created listening; when the reader
/// connects the taps are attached and the header written; it ends on stop, count, duration, or the reader going
/// away; then the taps are detached, the datapath threads pass a quiescent point, the ring is drained, the closing
/// blocks are written and the socket is closed and removed. Thread rules: the writer thread owns the ring's consumer
/// side and the stream; <see cref="Stop"/> and <see cref="Info"/> may be called from the control thread.
/// </summary>
internal sealed class CaptureSession : IDisposable
{
    private static readonly TimeSpan s_connectTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_flushInterval = TimeSpan.FromMilliseconds(50);

    private readonly CaptureRequest _request;
    private readonly IReadOnlyList<CapturePoint> _points;
    private readonly CaptureSink _sink;
    private readonly CaptureTap[] _taps;
    private readonly BpfFilter? _filter;
    private readonly Socket _listener;
    private readonly Func<TimeSpan, bool> _waitQuiescent;
    private readonly ILogger _log;
    private readonly Thread _thread;
    private readonly long[] _seen;
    private readonly long[] _accepted;
    private readonly long[] _delivered;
    private readonly Stopwatch _clock = new();
    private volatile bool _stopRequested;
    private volatile CaptureState _state = CaptureState.Waiting;
    private volatile string? _endReason;
    private long _captured;
    private long _filtered;
    private long _startNs;

    public CaptureSession(int id, string socketPath, SocketPermissions permissions, CaptureRequest request,
        IReadOnlyList<CapturePoint> points, BpfFilter? filter, Func<TimeSpan, bool> waitQuiescent, ILogger log)
    {
        Id = id;
        SocketPath = socketPath;
        _request = request;
        _points = points;
        _filter = filter;
        _waitQuiescent = waitQuiescent;
        _log = log;
        CaptureDirections directions = request.Direction switch
        {
            CaptureDirection.Rx => CaptureDirections.Rx,
            CaptureDirection.Tx => CaptureDirections.Tx,
            _ => CaptureDirections.Rx | CaptureDirections.Tx,
        };
        if (request.Drops)
        {
            directions |= CaptureDirections.Drops;
        }
        _sink = new CaptureSink(new CaptureRing(RingSlots(request.Snaplen), request.Snaplen), directions, request.Segments);
        _taps = new CaptureTap[points.Count];
        for (int i = 0; i < _taps.Length; i++)
        {
            _taps[i] = new CaptureTap(_sink, i);
        }
        _seen = new long[points.Count];
        _accepted = new long[points.Count];
        _delivered = new long[points.Count];
        File.Delete(socketPath);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            permissions.Apply(socketPath);
            _listener.Listen(1);
        }
        catch
        {
            _listener.Dispose();
            File.Delete(socketPath);
            throw;
        }
        _thread = new Thread(Run) { IsBackground = true, Name = $"capture-{id}" };
    }

    /// <summary>The capture's number.</summary>
    public int Id { get; }

    /// <summary>The socket the file streams through.</summary>
    public string SocketPath { get; }

    /// <summary>True once the writer thread has finished (the file is complete).</summary>
    public bool IsFinished => _state == CaptureState.Finished;

    /// <summary>
    /// Ring size: about 32 MiB of slots (frames are cut to the snapshot length), at least 256 and at most 16384
    /// slots, so a default capture absorbs a burst of several thousand frames while the writer catches up.
    /// </summary>
    public static int RingSlots(int snaplen) => Math.Clamp((32 << 20) / Math.Max(snaplen, 1), 256, 16384);

    /// <summary>Starts the writer thread.</summary>
    public void Start() => _thread.Start();

    /// <summary>Asks the capture to end and waits (up to <paramref name="timeout"/>) until its file is complete.</summary>
    public void Stop(TimeSpan timeout)
    {
        _stopRequested = true;
        _thread.Join(timeout);
    }

    /// <summary>A snapshot of the capture's state and counters.</summary>
    public CaptureStatus Info() => new(Id, _request, _state, Interlocked.Read(ref _captured), _sink.RingFull,
        Interlocked.Read(ref _filtered), _clock.Elapsed.TotalSeconds, _endReason);

    /// <summary>Stops the capture (waiting briefly) and releases the socket.</summary>
    public void Dispose()
    {
        Stop(TimeSpan.FromSeconds(5));
        _listener.Dispose();
        _filter?.Dispose();
    }

    private void Run()
    {
        Socket? client = null;
        bool attached = false;
        try
        {
            client = Accept();
            if (client is null)
            {
                _endReason ??= _stopRequested ? "stopped" : "no reader connected";
                return;
            }
            using var stream = new BufferedStream(new NetworkStream(client, ownsSocket: false), 1 << 16);
            CaptureFileWriter writer = CaptureFileWriter.Create(
                _request.Format == CaptureFileFormat.Pcap ? CaptureFormat.Pcap : CaptureFormat.PcapNg, stream);
            writer.WriteHeader(_request.Ports, _request.Snaplen);
            stream.Flush();
            _startNs = CaptureClock.NowNanoseconds();
            _clock.Start();
            for (int i = 0; i < _taps.Length; i++)
            {
                _points[i].Attach(_taps[i]);
            }
            attached = true;
            _state = CaptureState.Running;
            _endReason = Pump(writer, stream, client);
            Detach();
            attached = false;
            Drain(writer);
            writer.WriteEnd(Stats(), _startNs, CaptureClock.NowNanoseconds());
            stream.Flush();
            client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            _endReason = "reader closed";
            _log.LogInformation("capture {Id}: the reader went away ({Message})", Id, e.Message);
        }
        finally
        {
            if (attached)
            {
                Detach();
            }
            _clock.Stop();
            client?.Dispose();
            _listener.Dispose();
            File.Delete(SocketPath);
            _state = CaptureState.Finished;
            _log.LogInformation("capture {Id} on {Ports} ended ({Reason}): {Captured} frames captured, {Dropped} dropped, {Filtered} filtered out",
                Id, string.Join(",", _request.Ports), _endReason, Interlocked.Read(ref _captured), _sink.RingFull, Interlocked.Read(ref _filtered));
        }
    }

    private Socket? Accept()
    {
        var wait = Stopwatch.StartNew();
        while (!_stopRequested && wait.Elapsed < s_connectTimeout)
        {
            if (_listener.Poll(100_000, SelectMode.SelectRead))
            {
                return _listener.Accept();
            }
        }
        return null;
    }

    // Drains the ring until the capture should end; returns why it ended.
    private string Pump(CaptureFileWriter writer, Stream stream, Socket client)
    {
        var sinceFlush = Stopwatch.StartNew();
        bool dirty = false;
        double duration = _request.DurationSeconds;
        while (true)
        {
            if (_stopRequested)
            {
                return "stopped";
            }
            if (CountReached())
            {
                return "count";
            }
            if (duration > 0 && _clock.Elapsed.TotalSeconds >= duration)
            {
                return "duration";
            }
            int written = DrainSome(writer, 4096);
            dirty |= written > 0;
            if (dirty && (written == 0 || sinceFlush.Elapsed >= s_flushInterval))
            {
                stream.Flush();
                dirty = false;
                sinceFlush.Restart();
            }
            if (written == 0)
            {
                // The reader never writes: readable with nothing to read means it closed its end.
                if (client.Poll(0, SelectMode.SelectRead) && client.Available == 0)
                {
                    return "reader closed";
                }
                Thread.Sleep(1);
            }
        }
    }

    private void Detach()
    {
        foreach (CapturePoint point in _points)
        {
            point.Detach(_sink);
        }
        // A datapath thread that read the old tap array may still be writing one batch into the ring.
        if (!_waitQuiescent(TimeSpan.FromSeconds(2)))
        {
            _log.LogWarning("capture {Id}: a datapath thread did not reach a quiescent point in time", Id);
        }
    }

    private void Drain(CaptureFileWriter writer)
    {
        while (DrainSome(writer, int.MaxValue) > 0)
        {
        }
    }

    // Reads up to max frames from the ring; returns how many were read (written or filtered out).
    private int DrainSome(CaptureFileWriter writer, int max)
    {
        int n = 0;
        CaptureRing ring = _sink.Ring;
        while (n < max && ring.TryPeek(out CaptureRecord record, out ReadOnlySpan<byte> data))
        {
            n++;
            int iface = record.Interface;
            _seen[iface]++;
            // Frames read after the requested count are not part of the capture.
            if (!CountReached())
            {
                if (_filter is not null && !_filter.Matches(data, record.OriginalLength))
                {
                    Interlocked.Increment(ref _filtered);
                }
                else
                {
                    _accepted[iface]++;
                    writer.WriteFrame(in record, data);
                    _delivered[iface]++;
                    Interlocked.Increment(ref _captured);
                }
            }
            ring.Release();
        }
        return n;
    }

    private bool CountReached() => _request.Count > 0 && Interlocked.Read(ref _captured) >= _request.Count;

    private CaptureInterfaceStats[] Stats()
    {
        var stats = new CaptureInterfaceStats[_taps.Length];
        for (int i = 0; i < stats.Length; i++)
        {
            stats[i] = new CaptureInterfaceStats(_seen[i] + _taps[i].RingFull, _taps[i].RingFull, _accepted[i], _delivered[i]);
        }
        return stats;
    }
}
