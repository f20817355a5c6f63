using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using VSwitch.Core.Net;
using VSwitch.Core.Ports;
using VSwitch.VhostUser.Memory;
using VSwitch.VhostUser.Protocol;
using VSwitch.VhostUser.Transport;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Net;

namespace VSwitch.VhostUser.Session;

/// <summary>
/// The back-end side of one vhost-user connection at a time: reads requests, validates them, and applies them to the
/// port's rings, memory and negotiated state (rust-vmm <c>BackendReqHandler</c>, libvhost-user <c>vu_process_message</c>).
/// Design note: one session object per port lives as long as the port; <see cref="Serve"/> runs one connection on the
/// session thread and resets everything when it ends, so the next front-end starts from scratch. The rings
/// (<see cref="Vring"/>) outlive connections because datapath threads hold references to them. Every request is
/// checked for shape by <see cref="MessageReader"/> and for meaning by its handler (ring index in exactly one place:
/// <see cref="TryGetRing"/>). A failing request gets an error reply when one was asked for, then the session closes,
/// every fd it carried is closed and the port waits for a new front-end; an unsupported request only gets the error
/// reply. A front-end that harms the port without a malformed message (its memory file shrinks under the switch, a
/// ring eventfd turns blocking) is caught between messages (<see cref="CheckFrontEndHarm"/>): the session ends and the
/// port shows <see cref="Failure"/> until the next front-end connects.
/// Thread rule: the session thread calls everything except the read-only status members.
/// </summary>
internal sealed partial class BackendSession
{
    /// <summary>
    /// Virtio features every port offers; with offloads on (the default), <see cref="VirtioNetOffloads.Offered"/> too
    /// (<see cref="Offered"/>). Constant for the port's life, so a reconnecting front-end always finds at least what it acked.
    /// </summary>
    public const VirtioNetFeatures OfferedFeatures =
        VirtioNetFeatures.Version1 | VirtioNetFeatures.MrgRxbuf | VirtioNetFeatures.EventIdx | VirtioNetFeatures.IndirectDesc
        | VirtioNetFeatures.Mq | VirtioNetFeatures.Mtu | VirtioNetFeatures.Status | VirtioNetFeatures.GuestAnnounce
        | VirtioNetFeatures.LogAll | VirtioNetFeatures.ProtocolFeatures | VirtioNetFeatures.NotifyOnEmpty | VirtioNetFeatures.AnyLayout
        | VirtioNetFeatures.RingPacked;

    /// <summary>Protocol features offered (no BACKEND_REQ: the switch never sends requests to the front-end).</summary>
    public const ProtocolFeatures OfferedProtocolFeatures =
        ProtocolFeatures.Mq | ProtocolFeatures.LogShmfd | ProtocolFeatures.Rarp | ProtocolFeatures.ReplyAck
        | ProtocolFeatures.NetMtu | ProtocolFeatures.Status | ProtocolFeatures.ConfigureMemSlots;

    /// <summary>Memory slots (regions) accepted, as DPDK's vhost library does.</summary>
    public const int MaxMemSlots = MessageReader.MaxFds;

    /// <summary>
    /// Data room of a large receive buffer: the largest TCP super-frame (an IP datagram of 65,535 bytes) behind an
    /// Ethernet header and two VLAN tags, rounded up.
    /// </summary>
    public const int LargeDataRoom = (64 * 1024) + 256;

    private const int PollIntervalMs = 200;

    private readonly string _name;
    private readonly ILogger _logger;
    private readonly Vring[] _rings;
    private readonly bool _zeroCopy;
    private readonly int _rxPoolSize;
    private readonly int _largeRxPoolSize;
    private readonly TimeSpan _quiesceTimeout;
    private readonly RarpAnnouncement _rarp;
    private readonly List<MappedRegion> _regions = new();
    private readonly List<int> _regionRefs = new();
    private GuestMemory _memory = GuestMemory.Empty;
    private MappedLog? _log;
    private int _logFd = -1;
    private UnixConnection? _connection;
    private ulong _ackedFeatures;
    private ulong _ackedProtocol;
    private int _driverOffloads;
    private int _activeRxQueues;
    private int _activeTxQueues;
    private bool _trafficReady;
    private readonly List<IDisposable> _pendingRelease = new();
    private readonly GuestFaultFlag _fault = new();
    private int _nextCookie;
    private long _rarpSentLogged;
    private long _retiredPagesMarked;
    private long _retiredPagesBeyondLog;
    private string? _detail;
    private volatile string? _failure;
    private volatile IReadOnlyList<VhostUserRegionStatus> _regionStatus = [];

    /// <summary>
    /// Creates the session state of a port with <paramref name="rings"/> (2 per queue pair). With
    /// <paramref name="offloads"/> the port offers checksum and TCP segmentation offload, and each guest transmit ring
    /// gets a second pool of <paramref name="largeRxPoolSize"/> buffers for super-frames (<see cref="LargeDataRoom"/>).
    /// SEND_RARP requests go to <paramref name="rarp"/>, which the port's datapath side drains.
    /// </summary>
    public BackendSession(string name, ILogger logger, Vring[] rings, RarpAnnouncement rarp, bool zeroCopy, int rxPoolSize,
        TimeSpan quiesceTimeout, bool offloads = true, int largeRxPoolSize = 64)
    {
        _name = name;
        _logger = logger;
        _rings = rings;
        _rarp = rarp;
        _zeroCopy = zeroCopy;
        _rxPoolSize = rxPoolSize;
        _quiesceTimeout = quiesceTimeout;
        Offered = offloads ? OfferedFeatures | VirtioNetOffloads.Offered : OfferedFeatures;
        _largeRxPoolSize = offloads ? largeRxPoolSize : 0;
    }

    /// <summary>The virtio features this port offers (GET_FEATURES).</summary>
    public VirtioNetFeatures Offered { get; }

    /// <summary>
    /// What the driver accepts on frames sent to it (GUEST_CSUM, GUEST_TSO4/6, GUEST_ECN acked), for
    /// <c>IPort.TxOffloads</c>. Any thread: one field read.
    /// </summary>
    public PortOffloads DriverOffloads => (PortOffloads)Volatile.Read(ref _driverOffloads);

    /// <summary>Raised on the session thread when rings start, stop, break, or the session ends.</summary>
    public event Action<VhostUserPortEventKind, int>? Changed;

    /// <summary>Virtio features acked by the front-end (0 before SET_FEATURES). Any thread.</summary>
    public ulong AckedFeatures => Volatile.Read(ref _ackedFeatures);

    /// <summary>Protocol features acked by the front-end. Any thread.</summary>
    public ulong AckedProtocolFeatures => Volatile.Read(ref _ackedProtocol);

    /// <summary>Virtio device status byte from SET_STATUS.</summary>
    public byte DeviceStatus { get; private set; }

    /// <summary>MTU set by NET_SET_MTU (null when never set).</summary>
    public int? Mtu { get; private set; }

    /// <summary>MAC of the last SEND_RARP.</summary>
    public MacAddress? RarpMac { get; private set; }

    /// <summary>Why the last session ended or the last request failed.</summary>
    public string? LastError { get; private set; }

    /// <summary>
    /// Why the last front-end was cut off for harming the port (guest memory lost under a mapping, a blocking ring
    /// eventfd), until the next front-end connects; null otherwise. Any thread.
    /// </summary>
    public string? Failure => _failure;

    /// <summary>The mapped guest memory regions with their backing (for status). Any thread.</summary>
    public IReadOnlyList<VhostUserRegionStatus> Regions => _regionStatus;

    /// <summary>Guest memory regions mapped now.</summary>
    public int RegionCount => Volatile.Read(ref _memory).Regions.Length;

    /// <summary>1 + the highest queue pair whose guest transmit ring runs (0 if none). Any thread.</summary>
    public int ActiveRxQueues => Volatile.Read(ref _activeRxQueues);

    /// <summary>1 + the highest queue pair whose guest receive ring runs (0 if none). Any thread.</summary>
    public int ActiveTxQueues => Volatile.Read(ref _activeTxQueues);

    /// <summary>Dirty logging runs: LOG_ALL is acked and a log is set (every ring's snapshot carries it). Any thread.</summary>
    public bool DirtyLogging => Acked(VirtioNetFeatures.LogAll) && Volatile.Read(ref _log) is not null;

    /// <summary>Size of the dirty log set now (SET_LOG_BASE), 0 when none. Any thread.</summary>
    public ulong DirtyLogBytes => Volatile.Read(ref _log)?.Log.SizeBytes ?? 0;

    /// <summary>Pages the switch marked dirty in every log of the port's life (<see cref="DirtyLog.PagesMarked"/>). Any thread.</summary>
    public long DirtyPagesMarked => Interlocked.Read(ref _retiredPagesMarked) + (Volatile.Read(ref _log)?.Log.PagesMarked ?? 0);

    /// <summary>Pages written beyond the end of the log set at the time (not marked: a log too small). Any thread.</summary>
    public long DirtyPagesBeyondLog => Interlocked.Read(ref _retiredPagesBeyondLog) + (Volatile.Read(ref _log)?.Log.OutOfRange ?? 0);

    /// <summary>At least one queue pair has both rings running. Any thread.</summary>
    public bool TrafficReady => Volatile.Read(ref _trafficReady);

    /// <summary>
    /// Runs one connection until the front-end leaves, a request fails, or <paramref name="stopping"/> says so; then
    /// stops every ring, unmaps memory and closes every fd of the connection. The connection stays the caller's.
    /// </summary>
    public void Serve(UnixConnection connection, Func<bool> stopping)
    {
        _connection = connection;
        // A new front-end starts clean: mappings of the last one are gone (or held only by a ring that never let go).
        _failure = null;
        _fault.Reset();
        var reader = new MessageReader(connection);
        VhostUserError reason = VhostUserError.Disconnected;
        try
        {
            while (!stopping())
            {
                int ready = connection.WaitReadable(PollIntervalMs);
                CheckBrokenRings();
                CheckRarpSent();
                if (CheckFrontEndHarm() is { } harm)
                {
                    reason = harm;
                    break;
                }
                if (ready == 0)
                {
                    continue;
                }
                if (ready < 0)
                {
                    break;
                }
                VhostUserError? error = HandleOne(reader);
                if (error is { } e && e.ShouldReconnect())
                {
                    reason = e;
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A bug or an OS failure must cost this port its session, never the process: the other ports keep forwarding.
            VhostUserLog.SessionFailed(_logger, _name, ex);
            reason = VhostUserError.SocketBroken;
            LastError = "session failed: " + ex.Message;
        }
        finally
        {
            reader.Fds.CloseRest();
            Teardown();
            CheckRarpSent();
            _connection = null;
            VhostUserLog.Disconnected(_logger, _name, reason);
            Changed?.Invoke(VhostUserPortEventKind.Disconnected, -1);
        }
    }

    private VhostUserError? HandleOne(MessageReader reader)
    {
        VhostUserError? error = reader.TryRead(out MessageHeader header, out ReadOnlySpan<byte> payload);
        var request = (FrontendRequest)header.Request;
        try
        {
            if (error is { } readError && readError is not (VhostUserError.UnsupportedRequest or VhostUserError.InvalidPayloadSize or VhostUserError.InvalidFds))
            {
                // The framing itself is gone (EOF, bad header, oversize): nothing can be answered.
                if (readError != VhostUserError.Disconnected)
                {
                    LastError = $"message {header.Request}: {readError}";
                    VhostUserLog.RequestFailed(_logger, _name, request, readError);
                }
                return readError;
            }
            VhostUserLog.Request(_logger, _name, request, header.PayloadSize, reader.Fds.Count, header.NeedReply);
            _detail = null;
            error ??= Dispatch(request, payload, reader.Fds);
            RequestRule rule = RequestRule.For(request);
            bool replyAck = (AckedProtocolFeatures & (ulong)ProtocolFeatures.ReplyAck) != 0;
            if (header.NeedReply && replyAck && (!rule.HasOwnReply || error is not null) && !ReplyU64(request, error is null ? 0UL : 1UL))
            {
                return VhostUserError.SocketBroken;
            }
            if (error is { } e)
            {
                LastError = _detail is null ? $"{request}: {e}" : $"{request}: {e}: {_detail}";
                if (e.ShouldReconnect() && _detail is not null)
                {
                    VhostUserLog.RequestRefused(_logger, _name, request, e, _detail);
                }
                else if (e.ShouldReconnect())
                {
                    VhostUserLog.RequestFailed(_logger, _name, request, e);
                }
                else
                {
                    VhostUserLog.UnsupportedRequest(_logger, _name, request);
                }
            }
            return error;
        }
        finally
        {
            reader.Fds.CloseRest();
        }
    }

    /// <summary>One line per request, one method per request.</summary>
    private VhostUserError? Dispatch(FrontendRequest request, ReadOnlySpan<byte> payload, ReceivedFds fds) => request switch
    {
        FrontendRequest.GetFeatures => GetFeatures(),
        FrontendRequest.SetFeatures => SetFeatures(payload),
        FrontendRequest.SetOwner => SetOwner(),
        FrontendRequest.ResetOwner => ResetOwner(),
        FrontendRequest.SetMemTable => SetMemTable(payload, fds),
        FrontendRequest.SetLogBase => SetLogBase(payload, fds),
        FrontendRequest.SetLogFd => SetLogFd(fds),
        FrontendRequest.SetVringNum => SetVringNum(payload),
        FrontendRequest.SetVringAddr => SetVringAddr(payload),
        FrontendRequest.SetVringBase => SetVringBase(payload),
        FrontendRequest.GetVringBase => GetVringBase(payload),
        FrontendRequest.SetVringKick => SetVringKick(payload, fds),
        FrontendRequest.SetVringCall => SetVringCall(payload, fds),
        FrontendRequest.SetVringErr => SetVringErr(payload, fds),
        FrontendRequest.GetProtocolFeatures => GetProtocolFeatures(),
        FrontendRequest.SetProtocolFeatures => SetProtocolFeatures(payload),
        FrontendRequest.GetQueueNum => GetQueueNum(),
        FrontendRequest.SetVringEnable => SetVringEnable(payload),
        FrontendRequest.SendRarp => SendRarp(payload),
        FrontendRequest.NetSetMtu => NetSetMtu(payload),
        FrontendRequest.SetBackendReqFd => SetBackendReqFd(),
        FrontendRequest.GetMaxMemSlots => GetMaxMemSlots(),
        FrontendRequest.AddMemReg => AddMemReg(payload, fds),
        FrontendRequest.RemMemReg => RemMemReg(payload),
        FrontendRequest.SetStatus => SetStatus(payload),
        FrontendRequest.GetStatus => GetStatus(),
        _ => VhostUserError.UnsupportedRequest,
    };

    private bool ReplyU64(FrontendRequest request, ulong value) => Reply(request, in value);

    private bool Reply<T>(FrontendRequest request, in T value) where T : unmanaged =>
        _connection is not null && _connection.TryWriteReply(request, MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)));

    private static T Read<T>(ReadOnlySpan<byte> payload) where T : unmanaged => MemoryMarshal.Read<T>(payload);

    private bool Negotiated(ProtocolFeatures feature) => (AckedProtocolFeatures & (ulong)feature) != 0;

    private bool Acked(VirtioNetFeatures feature) => (AckedFeatures & (ulong)feature) != 0;

    /// <summary>Why the current request failed, in words, for the log and <see cref="LastError"/>.</summary>
    private VhostUserError Refuse(VhostUserError error, string detail)
    {
        _detail = detail;
        return error;
    }

    private void CheckBrokenRings()
    {
        foreach (Vring ring in _rings)
        {
            if (ring.Started && !ring.BrokenReported && ring.IsBroken)
            {
                ring.BrokenReported = true;
                VhostUserLog.RingBroken(_logger, _name, ring.Index, ring.BrokenReason.ToString());
                Changed?.Invoke(VhostUserPortEventKind.RingBroken, ring.Index);
            }
        }
    }
}
