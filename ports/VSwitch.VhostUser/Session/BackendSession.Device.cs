using VSwitch.Core.Net;
using VSwitch.Native;
using VSwitch.VhostUser.Protocol;
using VSwitch.Virtio.Net;

namespace VSwitch.VhostUser.Session;

/// <summary>Device-wide requests: features, ownership, queue count, status, MTU, RARP.</summary>
internal sealed partial class BackendSession
{
    private const ulong MinMtu = 68;
    private const ulong MaxMtu = 65535;

    private VhostUserError? GetFeatures() =>
        ReplyU64(FrontendRequest.GetFeatures, (ulong)Offered) ? null : VhostUserError.SocketBroken;

    private VhostUserError? SetFeatures(ReadOnlySpan<byte> payload)
    {
        ulong features = Read<ulong>(payload);
        if ((features & ~(ulong)Offered) != 0)
        {
            // A front-end may only ack what the back-end offered (VIRTIO 1.2 §3.1.1, step 4).
            return VhostUserError.InvalidParameter;
        }
        if (VirtioNetOffloads.CheckDependencies(features) is { } broken)
        {
            // VIRTIO 1.2 §5.1.3.1: a driver must not accept a feature without the ones it requires.
            return Refuse(VhostUserError.InvalidParameter, broken);
        }
        bool loggedBefore = Acked(VirtioNetFeatures.LogAll);
        Volatile.Write(ref _ackedFeatures, features);
        Volatile.Write(ref _driverOffloads, (int)VirtioNetOffloads.ToDriver(features));
        VhostUserLog.FeaturesAcked(_logger, _name, features, AckedProtocolFeatures);
        ReportLogAllChange(loggedBefore, Acked(VirtioNetFeatures.LogAll));
        // LOG_ALL toggles dirty logging of running rings during migration; header size and mergeable follow too.
        return RepublishAll() ? null : VhostUserError.QuiesceTimeout;
    }

    /// <summary>Logs a migration step: LOG_ALL switched on (with or without a log to write) or off (migration over or cancelled).</summary>
    private void ReportLogAllChange(bool before, bool now)
    {
        if (now && !before && _log is { } log)
        {
            VhostUserLog.LoggingOn(_logger, _name, log.Log.SizeBytes);
        }
        else if (now && !before)
        {
            VhostUserLog.LogAllWithoutLog(_logger, _name);
        }
        else if (before && !now)
        {
            VhostUserLog.LoggingOff(_logger, _name, DirtyPagesMarked);
        }
    }

    private VhostUserError? GetProtocolFeatures() =>
        ReplyU64(FrontendRequest.GetProtocolFeatures, (ulong)OfferedProtocolFeatures) ? null : VhostUserError.SocketBroken;

    private VhostUserError? SetProtocolFeatures(ReadOnlySpan<byte> payload)
    {
        ulong features = Read<ulong>(payload);
        if ((features & ~(ulong)OfferedProtocolFeatures) != 0)
        {
            return VhostUserError.InvalidParameter;
        }
        Volatile.Write(ref _ackedProtocol, features);
        return null;
    }

    // vhost-user spec: SET_OWNER marks the start of a session; nothing to set up beyond what the connection did.
    private static VhostUserError? SetOwner() => null;

    /// <summary>Deprecated; the spec recommends ignoring it or disabling all rings. Stopping them is the safe reading.</summary>
    private VhostUserError? ResetOwner()
    {
        foreach (Vring ring in _rings)
        {
            if (StopRing(ring) is null)
            {
                return VhostUserError.QuiesceTimeout;
            }
        }
        return null;
    }

    private VhostUserError? GetQueueNum() =>
        ReplyU64(FrontendRequest.GetQueueNum, (ulong)(_rings.Length / 2)) ? null : VhostUserError.SocketBroken;

    private VhostUserError? SetStatus(ReadOnlySpan<byte> payload)
    {
        ulong status = Read<ulong>(payload);
        if (status > byte.MaxValue)
        {
            // VIRTIO 1.2 §2.1: device status is one byte.
            return VhostUserError.InvalidParameter;
        }
        DeviceStatus = (byte)status;
        return null;
    }

    private VhostUserError? GetStatus() =>
        ReplyU64(FrontendRequest.GetStatus, DeviceStatus) ? null : VhostUserError.SocketBroken;

    private VhostUserError? NetSetMtu(ReadOnlySpan<byte> payload)
    {
        ulong mtu = Read<ulong>(payload);
        if (mtu is < MinMtu or > MaxMtu)
        {
            // VIRTIO 1.2 §5.1.4: mtu is a le16 at least 68 (the IPv4 minimum).
            return VhostUserError.InvalidParameter;
        }
        Mtu = (int)mtu;
        return null;
    }

    /// <summary>
    /// Hands the announcement to the datapath thread that polls queue pair 0's guest transmit ring
    /// (<see cref="RarpAnnouncement"/>): it goes into the switch at that thread's next poll of the ring, so at once
    /// when the ring runs (the usual case: QEMU sends SEND_RARP after the migrated guest started) and otherwise as soon
    /// as it starts. The ring's kick eventfd is signalled so that a sleeping datapath thread wakes for it.
    /// </summary>
    private VhostUserError? SendRarp(ReadOnlySpan<byte> payload)
    {
        // vhost-user spec, SEND_RARP: "The first 6 bytes of the payload contain the mac address of the guest".
        MacAddress mac = MacAddress.Read(payload[..MacAddress.Size]);
        if (mac.IsMulticast || mac.Value == 0)
        {
            // A group or all-zero source would be learnt nowhere (or everywhere): no guest has one.
            return Refuse(VhostUserError.InvalidParameter, $"the MAC {mac} is not a unicast address");
        }
        RarpMac = mac;
        bool replaced = _rarp.Post(mac);
        Vring guestTransmit = _rings[1];
        bool running = guestTransmit.IsRunning;
        VhostUserLog.RarpRequested(_logger, _name, mac.ToString(), running ? "now" : "when the guest transmit ring of queue pair 0 starts");
        if (replaced)
        {
            VhostUserLog.RarpReplaced(_logger, _name);
        }
        // The session alone closes kick fds, so the published one is open here. The datapath drains the extra count.
        _ = EventFd.Signal(Volatile.Read(ref guestTransmit.PublishedKickFd));
        Changed?.Invoke(VhostUserPortEventKind.RarpRequested, -1);
        return null;
    }

    /// <summary>Logs the announcements the datapath sent since the last look (the datapath itself never logs).</summary>
    private void CheckRarpSent()
    {
        long sent = _rarp.Sent;
        if (sent != _rarpSentLogged)
        {
            _rarpSentLogged = sent;
            VhostUserLog.RarpSent(_logger, _name, _rarp.LastSent.ToString(), sent);
        }
    }

    // BACKEND_REQ is not offered; a front-end that sends the fd anyway gets it closed (the reader closes untaken fds).
    private static VhostUserError? SetBackendReqFd() => null;

    private VhostUserError? GetMaxMemSlots() =>
        ReplyU64(FrontendRequest.GetMaxMemSlots, MaxMemSlots) ? null : VhostUserError.SocketBroken;
}
