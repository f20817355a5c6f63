using VSwitch.Control.Model;
using VSwitch.Control.Rpc.Handlers;
using VSwitch.Control.Runtime;
using VSwitch.Rpc.Messages;

namespace VSwitch.Control.Rpc;

/// <summary>
/// The RPC edge of the runtime's records: each <see cref="ISwitchRuntime"/> result becomes the message the CLI reads,
/// and a validated capture-start becomes a <see cref="CaptureRequest"/>. Names users see (states, directions, drop
/// reasons) are spelled here. Pure functions; control thread (they allocate).
/// </summary>
public static class RuntimeMessages
{
    /// <summary>The fdb-show entry of <paramref name="mac"/>, learnt on the port called <paramref name="portName"/> (null if gone).</summary>
    public static FdbEntryInfo FdbEntry(LearnedMac mac, string? portName)
    {
        ArgumentNullException.ThrowIfNull(mac);
        return new FdbEntryInfo(mac.OfPort, portName, mac.Vlan, mac.Mac.ToString(), mac.AgeSeconds);
    }

    /// <summary>The port-status reply for <paramref name="port"/> in the state <paramref name="status"/>.</summary>
    public static PortStatusResult PortStatus(PortConfig port, PortStatusReport status)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(status);
        var vrings = new VringInfo[status.Vrings.Count];
        for (int i = 0; i < vrings.Length; i++)
        {
            VringStatus r = status.Vrings[i];
            vrings[i] = new VringInfo(r.Index, r.Size, r.Enabled, r.Started, r.BrokenReason is not null, r.NextAvail, r.NextUsed,
                r.BrokenReason)
            {
                LastSetBase = r.LastSetBase,
                LastGetBase = r.LastGetBase,
            };
        }
        return new PortStatusResult(port.Name, port.Type, port.OfPort, PortHandlers.StateName(status.State), status.Connection,
            status.Socket, status.Mtu, status.QueuePairs, null, [.. status.VirtioFeatures], null, [.. status.ProtocolFeatures], vrings,
            status.LastError)
        {
            Details = status.Details is { } details ? [.. details.Select(d => new PortDetail(d.Key, d.Value))] : null,
        };
    }

    /// <summary>The pmd-stats entry of one datapath thread.</summary>
    public static PmdStatsInfo PmdStats(PmdThreadStats t)
    {
        ArgumentNullException.ThrowIfNull(t);
        return new PmdStatsInfo(t.Thread, t.Cpu, t.Packets, t.Batches, t.Batches == 0 ? 0 : (double)t.Packets / t.Batches, t.BusyMs,
            t.IdleMs, t.CacheHits, t.CacheMisses, t.ClassifierHits, t.Upcalls, PortCountersReport.ByReason(t.Drops))
        {
            AllocatedBytes = t.AllocatedBytes,
            AllocatedBytesSinceStart = t.AllocatedBytesSinceStart,
            Sleeps = t.Sleeps,
            GcGen0 = t.Collections.Gen0,
            GcGen1 = t.Collections.Gen1,
            GcGen2 = t.Collections.Gen2,
            Stages = t.Stages is { Packets: > 0 } s ? new PmdStageInfo(s.Batches, s.Packets, (double)s.RxNs / s.Packets,
                (double)s.PipelineNs / s.Packets, (double)s.TxNs / s.Packets, (double)s.CompleteNs / s.Packets,
                s.RxNs + s.PipelineNs + s.TxNs + s.CompleteNs) : null,
            PoolBuffers = t.PoolBuffers,
            PoolBytes = t.PoolBytes,
            PoolBacking = t.PoolBacking,
        };
    }

    /// <summary>The pmd-rxq-show entry of one datapath thread.</summary>
    public static PmdRxqInfo PmdRxq(PmdRxQueues t)
    {
        ArgumentNullException.ThrowIfNull(t);
        return new PmdRxqInfo(t.Thread, t.Cpu, [.. t.Queues.Select(q => new RxqInfo(q.Port, q.Queue, q.Enabled, q.UsagePercent))]);
    }

    /// <summary>The capture that <paramref name="p"/> asks for; its values must have been checked (direction and format names known).</summary>
    public static CaptureRequest CaptureRequest(CaptureStartParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        CaptureDirection direction = p.Direction switch
        {
            "rx" => CaptureDirection.Rx,
            "tx" => CaptureDirection.Tx,
            _ => CaptureDirection.Both,
        };
        CaptureFileFormat format = p.Format == "pcap" ? CaptureFileFormat.Pcap : CaptureFileFormat.PcapNg;
        return new CaptureRequest([.. p.Ports], direction, p.Filter, p.Snaplen, format, p.Count, p.DurationSeconds, p.Drops, p.Segments);
    }

    /// <summary>The capture-start reply.</summary>
    public static CaptureStartResult CaptureStarted(CaptureStarted started)
    {
        ArgumentNullException.ThrowIfNull(started);
        return new CaptureStartResult(started.Id, started.Socket);
    }

    /// <summary>The capture-stop and capture-list entry of one capture.</summary>
    public static CaptureInfo Capture(CaptureStatus c)
    {
        ArgumentNullException.ThrowIfNull(c);
        CaptureRequest r = c.Request;
        string direction = r.Direction switch
        {
            CaptureDirection.Rx => "rx",
            CaptureDirection.Tx => "tx",
            _ => "both",
        };
        string state = c.State switch
        {
            CaptureState.Waiting => "waiting",
            CaptureState.Running => "running",
            _ => "finished",
        };
        return new CaptureInfo(c.Id, [.. r.Ports], direction, r.Drops, r.Filter, r.Format == CaptureFileFormat.Pcap ? "pcap" : "pcapng",
            r.Snaplen, state, c.Captured, c.Dropped, c.Filtered, c.Seconds, c.EndReason);
    }
}
