using System.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.VhostUser;
using Xunit;

namespace VSwitch.Integration.Tests.VhostUser;

/// <summary>
/// One vhost-user port driven directly through the port API by the test thread (standing in for a datapath
/// thread), plus the socket directory it lives in. Disposing it stops the port and removes the directory.
/// </summary>
internal sealed class PortHarness : IDisposable
{
    private readonly string _dir;

    public PortHarness(VhostUserMode mode, int maxQueuePairs = 8, int? mtu = null,
        Func<VhostUserPortOptions, VhostUserPortOptions>? configure = null)
    {
        _dir = Directory.CreateTempSubdirectory("vsw-it-").FullName;
        SocketPath = Path.Combine(_dir, "p0.sock");
        Mode = mode;
        var options = new VhostUserPortOptions
        {
            Name = "p0",
            SocketPath = SocketPath,
            Mode = mode,
            MaxQueuePairs = maxQueuePairs,
            Mtu = mtu,
        };
        Port = VhostUserPort.Create(configure?.Invoke(options) ?? options, new PortId(1), TestLog.For("p0"));
        Port.Start();
        Pool = new PacketPool(4096);
        Batch = new PacketBatch();
    }

    public string SocketPath { get; }

    public VhostUserMode Mode { get; }

    public VhostUserPort Port { get; }

    public PacketPool Pool { get; }

    public PacketBatch Batch { get; }

    /// <summary>The testpmd vdev argument that connects a virtio-user frontend to this port (packed rings with <paramref name="packed"/>).</summary>
    public string VirtioUserVdev(int queues = 1, bool mergeable = false, string extra = "", bool packed = false) =>
        $"net_virtio_user0,path={SocketPath},queues={queues},mrg_rxbuf={(mergeable ? 1 : 0)}" + (packed ? ",packed_vq=1" : string.Empty) +
        (Mode == VhostUserMode.Client ? ",server=1" : string.Empty) + extra;

    public void WaitUntilUp(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (Port.State != PortState.Up)
        {
            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException($"port did not come up within {timeout.TotalSeconds} s (state {Port.State})");
            }
            Thread.Sleep(10);
        }
    }

    /// <summary>
    /// Receives on <paramref name="queue"/> until at least <paramref name="count"/> packets arrived or <paramref name="max"/>
    /// passed; returns how many arrived. For "traffic flows": how soon it starts depends on how busy the machine is.
    /// </summary>
    public long DrainAtLeast(int queue, long count, TimeSpan max)
    {
        long total = 0;
        var sw = Stopwatch.StartNew();
        while (total < count && sw.Elapsed < max)
        {
            int n = Port.Receive(queue, Batch);
            if (n == 0)
            {
                Thread.Yield();
                continue;
            }
            total += n;
            Batch.FreeAll();
            Port.CompleteReceive(queue);
        }
        return total;
    }

    /// <summary>
    /// Receives on <paramref name="queue"/> until a poll finds nothing, calling <paramref name="onPacket"/> per packet. Only
    /// once the frontend has stopped sending (testpmd's <c>stop</c> returned): then an empty poll means an empty ring.
    /// </summary>
    public long DrainUntilEmpty(int queue, Action<PacketBuffer>? onPacket = null)
    {
        long total = 0;
        int n;
        while ((n = Port.Receive(queue, Batch)) > 0)
        {
            for (int i = 0; i < Batch.Count; i++)
            {
                onPacket?.Invoke(Batch[i]);
            }
            total += n;
            Batch.FreeAll();
            Port.CompleteReceive(queue);
        }
        return total;
    }

    /// <summary>Receives on <paramref name="queue"/> until nothing arrives for <paramref name="quiet"/>, calling <paramref name="onPacket"/> per packet.</summary>
    public long Drain(int queue, TimeSpan quiet, TimeSpan max, Action<PacketBuffer>? onPacket = null)
    {
        long total = 0;
        var sw = Stopwatch.StartNew();
        var lastSeen = Stopwatch.StartNew();
        while (lastSeen.Elapsed < quiet && sw.Elapsed < max)
        {
            int n = Port.Receive(queue, Batch);
            if (n == 0)
            {
                Thread.Yield();
                continue;
            }
            for (int i = 0; i < Batch.Count; i++)
            {
                onPacket?.Invoke(Batch[i]);
            }
            total += n;
            Batch.FreeAll();
            Port.CompleteReceive(queue);
            lastSeen.Restart();
        }
        return total;
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

    public void Dispose()
    {
        Port.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
