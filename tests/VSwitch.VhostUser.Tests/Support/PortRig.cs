using System.Collections.Concurrent;
using System.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;

namespace VSwitch.VhostUser.Tests.Support;

/// <summary>
/// One started vhost-user port in a private directory, with a pool and batch for driving it through the port API from
/// the test thread (standing in for a datapath thread), and a record of its events and log lines.
/// </summary>
internal sealed class PortRig : IDisposable
{
    /// <summary>How long a wait for something the port must do may take: generous, for a busy machine; only a failing test waits it out.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public PortRig(VhostUserMode mode = VhostUserMode.Server, int maxQueuePairs = 8, bool zeroCopy = true, string name = "vm1",
        Func<VhostUserPortOptions, VhostUserPortOptions>? configure = null)
    {
        Dir = Directory.CreateTempSubdirectory("vsw-vu-").FullName;
        SocketPath = Path.Combine(Dir, name + ".sock");
        var options = new VhostUserPortOptions
        {
            Name = name,
            SocketPath = SocketPath,
            Mode = mode,
            MaxQueuePairs = maxQueuePairs,
            ZeroCopy = zeroCopy,
            ReconnectInterval = TimeSpan.FromMilliseconds(100),
            QuiesceTimeout = TimeSpan.FromSeconds(2),
        };
        Port = VhostUserPort.Create(configure?.Invoke(options) ?? options, new PortId(7), Log);
        Port.StateChanged += (_, e) => Events.Enqueue(e);
        Port.Start();
        Pool = new PacketPool(512);
        Batch = new PacketBatch();
    }

    public string Dir { get; }

    public string SocketPath { get; }

    public ListLogger Log { get; } = new();

    public VhostUserPort Port { get; }

    public PacketPool Pool { get; }

    public PacketBatch Batch { get; }

    public ConcurrentQueue<VhostUserPortEventArgs> Events { get; } = new();

    /// <summary>A front-end connected to this (server-mode) port.</summary>
    public FakeFrontend Connect()
    {
        WaitFor(() => File.Exists(SocketPath), "socket file");
        return FakeFrontend.Connect(SocketPath, Timeout);
    }

    public static void WaitFor(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > (timeout ?? Timeout))
            {
                throw new TimeoutException("timed out waiting for " + what);
            }
            Thread.Sleep(2);
        }
    }

    public void WaitForState(PortState state) => WaitFor(() => Port.State == state, $"state {state} (now {Port.State})");

    /// <summary>Receives on <paramref name="queue"/> until <paramref name="count"/> frames arrived; returns their bytes.</summary>
    public List<byte[]> Receive(int queue, int count)
    {
        var frames = new List<byte[]>();
        var clock = Stopwatch.StartNew();
        while (frames.Count < count)
        {
            int n = Port.Receive(queue, Batch);
            for (int i = 0; i < Batch.Count; i++)
            {
                Assert.Equal(Port.Id, Batch[i].InPort);
                frames.Add(Batch[i].Span.ToArray());
            }
            Batch.FreeAll();
            if (n > 0)
            {
                Port.CompleteReceive(queue);
            }
            else if (clock.Elapsed > Timeout)
            {
                throw new TimeoutException($"only {frames.Count} of {count} frames arrived on queue {queue}");
            }
            else
            {
                Thread.Yield();
            }
        }
        return frames;
    }

    /// <summary>Sends <paramref name="frames"/> on <paramref name="queue"/> in batches.</summary>
    public void Send(int queue, IEnumerable<byte[]> frames)
    {
        foreach (byte[] frame in frames)
        {
            Assert.True(Pool.TryRent(out PacketBuffer? p));
            Assert.True(p.TryCopyFrom(frame));
            Batch.TryAdd(p);
            if (Batch.IsFull)
            {
                Port.Send(queue, Batch);
            }
        }
        if (Batch.Count > 0)
        {
            Port.Send(queue, Batch);
        }
    }

    /// <summary>A frame of <paramref name="size"/> bytes: broadcast destination, a local source, sequence number, then a fixed-seed pattern.</summary>
    public static byte[] Frame(int seq, int size = 128)
    {
        byte[] f = new byte[size];
        f.AsSpan(0, 6).Fill(0xff);
        f[6] = 0x02;
        f[11] = (byte)seq;
        f[12] = 0x88;
        f[13] = 0xb5;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(f.AsSpan(14), seq);
        new Random(seq).NextBytes(f.AsSpan(18));
        return f;
    }

    public static int OpenFds() => Directory.GetFiles("/proc/self/fd").Length;

    public static int MapCount() => File.ReadAllLines("/proc/self/maps").Length;

    public void Dispose()
    {
        Port.Dispose();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
