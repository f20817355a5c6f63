using System.Diagnostics;
using System.Runtime.InteropServices;
using PacketDotNet;
using SharpPcap;
using SharpPcap.LibPcap;
using VSwitch.Core.Packets;
using VSwitch.Ports.Pcap.Interop;

namespace VSwitch.Ports.Pcap;

/// <summary>
/// Replays a capture file (pcap or pcapng, whatever libpcap reads) into a bounded <see cref="FrameRing"/> on a thread
/// of its own: as fast as the consumer takes frames, or paced at a rate; once or looping. Design note: reading and
/// pacing happen here, not on a datapath thread, so a slow disk or a pause between frames never stalls one; the
/// datapath thread only copies ready frames out of the ring. Any problem with the file (cannot open, not a capture,
/// truncated, absurd record length, not Ethernet) ends the replay with <see cref="Error"/> set; nothing is thrown.
/// Threading: the replay thread is the only producer and the only user of libpcap; the port's polling thread is
/// the only consumer; counters are read by anyone.
/// </summary>
internal sealed unsafe class PcapReplay : IDisposable
{
    private readonly double _rate;
    private readonly bool _loop;
    private readonly Thread _thread;
    private volatile bool _stopping;
    private volatile string? _error;
    private volatile bool _finished;
    private long _replayed;
    private long _loopsDone;
    private long _tooLarge;

    /// <summary>Starts replaying <paramref name="path"/>; <paramref name="rate"/> frames per second, or 0 for as fast as taken.</summary>
    public PcapReplay(string path, double rate, bool loop, string threadName, int slots = 256)
    {
        Path = path;
        _rate = rate;
        _loop = loop;
        Ring = new FrameRing(slots, PacketPool.DefaultDataRoom);
        _thread = new Thread(Run) { IsBackground = true, Name = threadName };
        _thread.Start();
    }

    /// <summary>The file replayed.</summary>
    public string Path { get; }

    /// <summary>Frames ready for the consumer.</summary>
    public FrameRing Ring { get; }

    /// <summary>Frames put into the ring so far (over all loops).</summary>
    public long Replayed => Volatile.Read(ref _replayed);

    /// <summary>Complete passes over the file.</summary>
    public long LoopsDone => Volatile.Read(ref _loopsDone);

    /// <summary>Records skipped because they are larger than a packet buffer.</summary>
    public long TooLarge => Volatile.Read(ref _tooLarge);

    /// <summary>Why the replay stopped early, or null.</summary>
    public string? Error => _error;

    /// <summary>True once the file has been replayed completely (not looping) and every frame was handed over to the ring.</summary>
    public bool Finished => _finished;

    /// <summary>Stops the replay thread and closes the file.</summary>
    public void Dispose()
    {
        _stopping = true;
        _thread.Join();
    }

    private void Run()
    {
        var clock = Stopwatch.StartNew();
        long paced = 0;
        try
        {
            while (!_stopping)
            {
                long before = Replayed;
                string? problem = ReplayOnce(clock, ref paced);
                if (problem is not null)
                {
                    _error = problem;
                    return;
                }
                if (_stopping)
                {
                    return;
                }
                Interlocked.Increment(ref _loopsDone);
                if (!_loop || Replayed == before)
                {
                    // A looping replay of a file without frames would spin: it ends like a single pass.
                    _finished = true;
                    return;
                }
            }
        }
#pragma warning disable CA1031 // The replay thread reports every failure as the port's error instead of taking the daemon down.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _error = $"{Path}: {e.Message}";
        }
    }

    /// <summary>One pass over the file; null when it reached the end (or was stopped), else the problem.</summary>
    private string? ReplayOnce(Stopwatch clock, ref long paced)
    {
        using var device = new CaptureFileReaderDevice(Path);
        try
        {
            device.Open(new DeviceConfiguration { Snaplen = PcapPortDefaults.SnapLen });
        }
        catch (PcapException e)
        {
            return $"cannot read {Path}: {e.Message}";
        }
        if (device.LinkType != LinkLayers.Ethernet)
        {
            return $"{Path}: link type {device.LinkType} is not Ethernet";
        }
        IntPtr pcap = device.Handle.DangerousGetHandle();
        while (!_stopping)
        {
            int rc = LibPcap.pcap_next_ex(pcap, out IntPtr header, out IntPtr data);
            if (rc == -2)
            {
                return null;
            }
            if (rc != 1)
            {
                return $"{Path}: {LibPcap.GetError(pcap)} (after {Replayed} frames)";
            }
            int capLen = Marshal.ReadInt32(header, LibPcap.HeaderCapLenOffset);
            if (capLen > Ring.SlotSize)
            {
                Interlocked.Increment(ref _tooLarge);
                continue;
            }
            // SAFETY: libpcap guarantees capLen readable bytes at data until the next pcap_next_ex on this handle.
            var frame = new ReadOnlySpan<byte>((void*)data, capLen);
            if (_rate > 0)
            {
                Pace(clock, paced++);
            }
            while (!Ring.TryWrite(frame, Stopwatch.GetTimestamp()))
            {
                if (_stopping)
                {
                    return null;
                }
                Thread.Sleep(1);
            }
            Interlocked.Increment(ref _replayed);
        }
        return null;
    }

    /// <summary>Sleeps until frame number <paramref name="index"/> (from 0) is due at the configured rate.</summary>
    private void Pace(Stopwatch clock, long index)
    {
        while (!_stopping)
        {
            double due = index / _rate;
            double early = due - clock.Elapsed.TotalSeconds;
            if (early <= 0)
            {
                return;
            }
            Thread.Sleep(TimeSpan.FromSeconds(Math.Min(early, 0.1)));
        }
    }
}
