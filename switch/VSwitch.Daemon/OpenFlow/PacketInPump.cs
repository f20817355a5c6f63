using Microsoft.Extensions.Logging;
using VSwitch.Datapath.Controller;
using VSwitch.Datapath.Pipeline;
using VSwitch.OpenFlow;
using VSwitch.OpenFlow.Adapter;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.Daemon.OpenFlow;

/// <summary>
/// Carries PACKET_INs from the datapath to the controllers: one control thread drains every datapath thread's
/// <see cref="PacketInRing"/> (it is their single consumer; the datapath side never waits or locks) and publishes each
/// frame to the hub, which encodes it per connection. The datapath already cut each frame to the flow's max_len (or
/// miss_send_len for an invalid TTL) as it copied it, so the frame goes up whole, with its original length as total_len.
/// Waking: the pump drains until the rings are empty, then sleeps on the datapath's <see cref="PacketInSignal"/>, which the
/// next frame written to any ring sets; an idle switch therefore has no thread polling for packet-ins. After each sleep
/// it reads the list of datapath contexts again (a control-thread one appears with the first PACKET_OUT).
/// Thread rules: <see cref="Start"/> and <see cref="Dispose"/> from the composition root; the rest is its own thread's.
/// </summary>
internal sealed class PacketInPump : IDisposable
{
    /// <summary>Longest sleep when no frame arrives.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly SwitchDatapath _datapath;
    private readonly IOpenFlowEvents _events;
    private readonly ILogger _log;
    private readonly PacketInSignal _signal;
    private volatile bool _stopping;
    private Thread? _thread;
    private long _published;
    private long _unsent;
    private int _disposed;

    public PacketInPump(SwitchDatapath datapath, IOpenFlowEvents events, ILogger log)
    {
        _datapath = datapath;
        _signal = datapath.PacketInSignal;
        _events = events;
        _log = log;
    }

    /// <summary>Frames handed to the hub so far.</summary>
    public long Published => Volatile.Read(ref _published);

    /// <summary>Frames no connection wanted (no controller, a role or SET_ASYNC filter, or a full output queue).</summary>
    public long Unsent => Volatile.Read(ref _unsent);

    public void Start()
    {
        _thread = new Thread(Run) { Name = "packet-in", IsBackground = true };
        _thread.Start();
    }

    /// <summary>Drains what is in the rings now; returns how many frames. The pump's thread only (or a test with no thread).</summary>
    internal int DrainOnce(IReadOnlyList<PmdContext> pmds)
    {
        int n = 0;
        foreach (PmdContext pmd in pmds)
        {
            PacketInRing ring = pmd.PacketIns;
            while (ring.TryPeek(out PacketInRecord r, out ReadOnlySpan<byte> frame))
            {
                var e = new PacketInEvent((PacketInReason)r.Reason, r.TableId, r.Cookie, PortMapping.ToOpenFlow(r.InPort), r.Metadata,
                    OfpBufferId.ControllerNoBuffer, r.TotalLength, r.Tunnel.Id, r.Tunnel.Source, r.Tunnel.Destination);
                if (_events.PublishPacketIn(e, frame) == 0)
                {
                    _unsent++;
                }
                ring.Release();
                n++;
            }
        }
        Volatile.Write(ref _published, _published + n);
        return n;
    }

    private void Run()
    {
        IReadOnlyList<PmdContext> pmds = _datapath.Pmds;
        try
        {
            while (!_stopping)
            {
                if (DrainOnce(pmds) != 0)
                {
                    continue;
                }
                // Announce the sleep, then look once more: a frame written before the announcement is seen here, one
                // written after it sets the signal.
                _signal.PrepareWait();
                if (_stopping || DrainOnce(pmds) != 0)
                {
                    _signal.CancelWait();
                    continue;
                }
                _signal.Wait(Interval);
                pmds = _datapath.Pmds;
            }
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException)
        {
            _log.LogError("packet-in delivery stopped: {Reason}", e.Message);
        }
    }

    /// <summary>Stops the thread and waits for it (up to 5 s). Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _stopping = true;
        _signal.Wake();
        _thread?.Join(TimeSpan.FromSeconds(5));
    }
}
