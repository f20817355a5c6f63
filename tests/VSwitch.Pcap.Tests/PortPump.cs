using System.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;

namespace VSwitch.Pcap.Tests;

/// <summary>Drives a port as a datapath thread would: polls Receive and copies the frames out.</summary>
internal static class PortPump
{
    /// <summary>A frame as received, with the time since pumping started.</summary>
    public readonly record struct Received(byte[] Frame, TimeSpan At);

    /// <summary>
    /// Polls until <paramref name="count"/> frames arrived or <paramref name="timeout"/> passed. Arrival times are read
    /// from <paramref name="clock"/> if given (started by the caller), else from a clock started here.
    /// </summary>
    public static List<Received> Receive(IPort port, int count, TimeSpan timeout, Stopwatch? clock = null)
    {
        var batch = new PacketBatch();
        var got = new List<Received>();
        var deadline = Stopwatch.StartNew();
        clock ??= deadline;
        while (got.Count < count && deadline.Elapsed < timeout)
        {
            int n = port.Receive(0, batch);
            for (int i = 0; i < batch.Count; i++)
            {
                got.Add(new Received(batch[i].Span.ToArray(), clock.Elapsed));
            }
            batch.FreeAll();
            if (n > 0)
            {
                port.CompleteReceive(0);
            }
            else
            {
                Thread.Sleep(1);
            }
        }
        return got;
    }

    /// <summary>Sends <paramref name="frames"/> through <paramref name="port"/> in batches, from a pool of the test's own.</summary>
    public static void Send(IPort port, IReadOnlyList<byte[]> frames, PacketPool pool)
    {
        var batch = new PacketBatch();
        foreach (byte[] frame in frames)
        {
            if (!pool.TryRent(out PacketBuffer? p) || !p.TryCopyFrom(frame))
            {
                throw new InvalidOperationException("test pool too small");
            }
            batch.TryAdd(p);
            if (batch.IsFull)
            {
                port.Send(0, batch);
            }
        }
        if (batch.Count > 0)
        {
            port.Send(0, batch);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds or <paramref name="timeout"/> passed; returns whether it held.</summary>
    public static bool WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }
            Thread.Sleep(10);
        }
        return true;
    }
}
