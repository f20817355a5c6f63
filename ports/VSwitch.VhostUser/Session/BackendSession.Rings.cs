using VSwitch.Core.Packets;
using VSwitch.Native;
using VSwitch.VhostUser.Protocol;
using VSwitch.VhostUser.Protocol.Messages;
using VSwitch.VhostUser.Transport;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Net;
using VSwitch.Virtio.Queue;

namespace VSwitch.VhostUser.Session;

/// <summary>
/// Vring requests and the ring life cycle (vhost-user spec, "Ring states"): a ring starts when its kick arrives and
/// size, addresses and memory are known; it stops on GET_VRING_BASE; SET_VRING_ENABLE switches a started ring between
/// processed and left alone, independently of started/stopped.
/// </summary>
internal sealed partial class BackendSession
{
    private VhostUserError? SetVringNum(ReadOnlySpan<byte> payload)
    {
        var state = Read<VringState>(payload);
        if (!TryGetRing(state.Index, out Vring ring))
        {
            return VhostUserError.InvalidParameter;
        }
        // VIRTIO 1.2 §2.7: a split ring's size is a power of two, at most 32768; §2.8: a packed ring's is any size up to
        // 32768. The front-end acks features before it sizes rings; the start checks the size against the layout again.
        bool anySize = Acked(VirtioNetFeatures.RingPacked);
        if (state.Num == 0 || state.Num > SplitQueue.MaxSize || (!anySize && (state.Num & (state.Num - 1)) != 0))
        {
            return VhostUserError.InvalidParameter;
        }
        ring.Num = (ushort)state.Num;
        return null;
    }

    private VhostUserError? SetVringAddr(ReadOnlySpan<byte> payload)
    {
        var addr = Read<VringAddr>(payload);
        if (!addr.IsValid() || !TryGetRing(addr.Index, out Vring ring))
        {
            return VhostUserError.InvalidParameter;
        }
        ring.Addr = addr;
        // On a running ring this toggles used-ring logging (vhost-user spec, "Migration"): apply it in place.
        return ring.Started ? ApplyAddresses(ring) : TryStartRing(ring);
    }

    private VhostUserError? SetVringBase(ReadOnlySpan<byte> payload)
    {
        var state = Read<VringState>(payload);
        // A split ring's index is 16 bits (VIRTIO 1.2 §2.7.6). A packed ring's base carries slots and wrap counters in
        // all 32 bits (PackedQueueState.FromVhostBase); its slots are checked against the size when the ring starts.
        if (!TryGetRing(state.Index, out Vring ring) || (state.Num > ushort.MaxValue && !Acked(VirtioNetFeatures.RingPacked)))
        {
            return VhostUserError.InvalidParameter;
        }
        ring.Base = state.Num;
        ring.LastSetBase = state.Num;
        return null;
    }

    private VhostUserError? GetVringBase(ReadOnlySpan<byte> payload)
    {
        var state = Read<VringState>(payload);
        if (!TryGetRing(state.Index, out Vring ring))
        {
            return VhostUserError.InvalidParameter;
        }
        uint? stoppedAt = StopRing(ring);
        if (stoppedAt is null)
        {
            return VhostUserError.QuiesceTimeout;
        }
        ring.LastGetBase = stoppedAt.Value;
        // On a migration source this is the position the destination resumes from.
        VhostUserLog.VringBaseHandedOver(_logger, _name, ring.Index, stoppedAt.Value);
        var reply = new VringState(state.Index, stoppedAt.Value);
        return Reply(FrontendRequest.GetVringBase, in reply) ? null : VhostUserError.SocketBroken;
    }

    private VhostUserError? SetVringKick(ReadOnlySpan<byte> payload, ReceivedFds fds)
    {
        VhostUserError? error = TakeVringFd(payload, fds, "kick", out Vring? ring, out int fd, out bool noFd);
        if (error is not null)
        {
            return error;
        }
        if (ring!.Started)
        {
            // The datapath drains the published kick fd when it disables kicks, holding the ring: close the old fd only
            // with the ring quiesced, so that it never reads a closed fd whose number was reused.
            if (!ring.TryQuiesce(null, _quiesceTimeout))
            {
                ReportQuiesceTimeout(ring);
                FileDescriptor.CloseIfValid(fd);
                return VhostUserError.QuiesceTimeout;
            }
            Volatile.Write(ref ring.PublishedKickFd, fd);
            FileDescriptor.CloseIfValid(ring.KickFd);
            ring.KickFd = fd;
            ring.Polling = noFd;
            ring.Release(BuildSnapshot(ring));
            return null;
        }
        // Not started: nothing is published, so no datapath thread can be using the old fd.
        FileDescriptor.CloseIfValid(ring.KickFd);
        ring.KickFd = fd;
        ring.Polling = noFd;
        ring.KickReceived = true;
        return TryStartRing(ring);
    }

    private VhostUserError? SetVringCall(ReadOnlySpan<byte> payload, ReceivedFds fds)
    {
        VhostUserError? error = TakeVringFd(payload, fds, "call", out Vring? ring, out int fd, out _);
        if (error is not null)
        {
            return error;
        }
        // The datapath may be writing to the old fd right now: close it only once the ring is quiesced.
        if (!ring!.TryQuiesce(null, _quiesceTimeout))
        {
            ReportQuiesceTimeout(ring);
            FileDescriptor.CloseIfValid(fd);
            return VhostUserError.QuiesceTimeout;
        }
        FileDescriptor.CloseIfValid(ring.CallFd);
        ring.CallFd = fd;
        ring.Release(BuildSnapshot(ring));
        return null;
    }

    private VhostUserError? SetVringErr(ReadOnlySpan<byte> payload, ReceivedFds fds)
    {
        VhostUserError? error = TakeVringFd(payload, fds, "err", out Vring? ring, out int fd, out _);
        if (error is not null)
        {
            return error;
        }
        FileDescriptor.CloseIfValid(ring!.ErrFd);
        ring.ErrFd = fd;
        return null;
    }

    private VhostUserError? SetVringEnable(ReadOnlySpan<byte> payload)
    {
        var state = Read<VringState>(payload);
        if (!TryGetRing(state.Index, out Vring ring) || state.Num > 1)
        {
            return VhostUserError.InvalidParameter;
        }
        ring.Enabled = state.Num == 1;
        if (!ring.TryQuiesce(null, _quiesceTimeout))
        {
            ReportQuiesceTimeout(ring);
            return VhostUserError.QuiesceTimeout;
        }
        ring.Release(BuildSnapshot(ring));
        UpdateQueueCounts();
        return null;
    }

    /// <summary>The one place where a ring index from the front-end is checked.</summary>
    private bool TryGetRing(uint index, out Vring ring)
    {
        if (index < (uint)_rings.Length)
        {
            ring = _rings[index];
            return true;
        }
        ring = null!;
        return false;
    }

    /// <summary>
    /// Parses the u64 of SET_VRING_KICK/CALL/ERR and takes its fd. Bit 8 set means no fd (vhost-user spec: "This flag
    /// is set when there is no file descriptor in the ancillary data"), so the fd count must agree with the flag. The fd
    /// must be an eventfd, and is made non-blocking (<see cref="RingEventFd"/>); anything else ends the session with
    /// the kind of fd in the error, and is closed with the message.
    /// </summary>
    private VhostUserError? TakeVringFd(ReadOnlySpan<byte> payload, ReceivedFds fds, string role, out Vring? ring, out int fd, out bool noFd)
    {
        var message = new VringFdPayload(Read<ulong>(payload));
        fd = -1;
        noFd = message.NoFd;
        if (!message.IsValid() || !TryGetRing(message.Index, out Vring found))
        {
            ring = null;
            return VhostUserError.InvalidParameter;
        }
        ring = found;
        if (fds.Count != (noFd ? 0 : 1))
        {
            return VhostUserError.InvalidFds;
        }
        if (!noFd)
        {
            if (RingEventFd.TryAdopt(fds.Peek(0), out bool madeNonBlocking) is { } what)
            {
                return Refuse(VhostUserError.NotAnEventFd, $"the {role} fd of ring {found.Index} is {what}");
            }
            if (madeNonBlocking)
            {
                VhostUserLog.EventFdMadeNonBlocking(_logger, _name, found.Index, role);
            }
            fd = fds.Take(0);
        }
        return null;
    }

    /// <summary>Starts <paramref name="ring"/> if its kick arrived and size, addresses and memory are known.</summary>
    private VhostUserError? TryStartRing(Vring ring)
    {
        if (ring.Started || !ring.KickReceived || ring.Num == 0 || ring.Addr is null || _regions.Count == 0)
        {
            return null;
        }
        bool packed = Acked(VirtioNetFeatures.RingPacked);
        if (!TryTranslate(ring, packed, out GuestAddress desc, out GuestAddress avail, out GuestAddress used))
        {
            return VhostUserError.InvalidParameter;
        }
        if (!ring.TryQuiesce(null, _quiesceTimeout))
        {
            ReportQuiesceTimeout(ring);
            return VhostUserError.QuiesceTimeout;
        }
        ring.IsPacked = packed;
        if (packed)
        {
            return StartPackedRing(ring, desc, avail, used);
        }
        SplitQueue queue = ring.Queue;
        queue.Reset();
        queue.TrySetSize(ring.Num);
        queue.SetAddresses(desc, avail, used, UsedLogAddress(ring.Addr.Value));
        queue.SetState(new SplitQueueState((ushort)ring.Base, (ushort)ring.Base));
        queue.EventIdx = Acked(VirtioNetFeatures.EventIdx);
        if (!queue.TryValidate(_memory))
        {
            queue.Reset();
            ring.Release(null);
            return VhostUserError.InvalidParameter;
        }
        // A front-end that lost its back-end without GET_VRING_BASE (the switch was killed) resumes with a base that
        // need not match its rings: DPDK's virtio-user always sends 0. The used index in guest memory is what the
        // driver has seen completed, so resume from there (as DPDK's vhost library does); QEMU's base already equals it.
        if (_memory.TryLoadAcquireU16(new GuestAddress(used.Value + 2), out ushort usedIdx) && usedIdx != ring.Base)
        {
            VhostUserLog.RingResynced(_logger, _name, ring.Index, (ushort)ring.Base, usedIdx);
            queue.SetState(new SplitQueueState(usedIdx, usedIdx));
        }
        return FinishStart(ring);
    }

    /// <summary>
    /// The packed half of <see cref="TryStartRing"/>, with the ring quiesced: size (any value), addresses (desc, driver
    /// area, device area), positions from the base (PackedQueueState.FromVhostBase; slots outside the ring are refused).
    /// A packed ring keeps no used index in guest memory, so unlike the split ring nothing can be resynchronised: the
    /// base is taken as given (ports/VSwitch.VhostUser/README.md, "Packed rings").
    /// </summary>
    private VhostUserError? StartPackedRing(Vring ring, GuestAddress desc, GuestAddress driverArea, GuestAddress deviceArea)
    {
        PackedQueue queue = ring.Packed;
        queue.Reset();
        if (!queue.TrySetSize(ring.Num))
        {
            ring.Release(null);
            return VhostUserError.InvalidParameter;
        }
        queue.SetAddresses(desc, driverArea, deviceArea, UsedLogAddress(ring.Addr!.Value));
        queue.EventIdx = Acked(VirtioNetFeatures.EventIdx);
        if (!queue.TrySetState(PackedQueueState.FromVhostBase(ring.Base)) || !queue.TryValidate(_memory))
        {
            queue.Reset();
            ring.Release(null);
            return VhostUserError.InvalidParameter;
        }
        if (queue.IsNextAvailUsedThisLap(_memory))
        {
            // The front-end resumed with a base its ring has already passed (typically QEMU after the switch restarted:
            // it cannot recover packed positions either). Taking descriptors from there would hand the guest completions
            // it never expects; the ring starts broken instead, reported by name, until the guest resets the device.
            queue.MarkBroken(ChainStatus.StalePosition);
        }
        return FinishStart(ring);
    }

    /// <summary>The end of a ring start, either layout: pool, flags, snapshot, kicks off, published.</summary>
    private VhostUserError? FinishStart(Vring ring)
    {
        if (ring.IsGuestTransmit)
        {
            ring.Pool ??= new PacketPool(_rxPoolSize);
            if (_largeRxPoolSize > 0 && (Acked(VirtioNetFeatures.HostTso4) || Acked(VirtioNetFeatures.HostTso6)))
            {
                // Super-frames (TSO) of up to 64 KiB come as chains of pages; a buffer of the pool above holds 9 KiB.
                // Only a driver that took TSO sends them: without it no frame exceeds the 9 KiB buffers (a larger one is
                // dropped as PacketTooLarge, as before offloads), and the 4 MiB per ring are not spent.
                ring.LargePool ??= new PacketPool(_largeRxPoolSize, LargeDataRoom);
            }
        }
        ring.Started = true;
        ring.BrokenReported = false;
        RingSnapshot? snapshot = BuildSnapshot(ring);
        // The datapath polls: ask the guest not to kick (a system call per kick, for nothing); the datapath re-enables kicks before sleeping.
        if (ring.IsPacked)
        {
            ring.Packed.DisableNotifications(_memory, snapshot?.Log);
        }
        else
        {
            ring.Queue.DisableNotifications(_memory, snapshot?.Log);
        }
        Volatile.Write(ref ring.PublishedKickFd, ring.Polling ? -1 : ring.KickFd);
        ring.Release(snapshot);
        UpdateQueueCounts();
        VhostUserLog.RingStarted(_logger, _name, ring.Index, ring.IsPacked ? "packed" : "split", ring.Num, ring.Base, snapshot is not null);
        Changed?.Invoke(VhostUserPortEventKind.RingStarted, ring.Index);
        return null;
    }

    private VhostUserError? StartPendingRings()
    {
        foreach (Vring ring in _rings)
        {
            VhostUserError? error = TryStartRing(ring);
            if (error is not null)
            {
                return error;
            }
        }
        return null;
    }

    /// <summary>New addresses for a started ring (positions kept): translate, quiesce, apply, validate.</summary>
    private VhostUserError? ApplyAddresses(Vring ring)
    {
        if (!TryTranslate(ring, ring.IsPacked, out GuestAddress desc, out GuestAddress avail, out GuestAddress used))
        {
            return VhostUserError.InvalidParameter;
        }
        if (!ring.TryQuiesce(null, _quiesceTimeout))
        {
            ReportQuiesceTimeout(ring);
            return VhostUserError.QuiesceTimeout;
        }
        bool valid;
        if (ring.IsPacked)
        {
            ring.Packed.SetAddresses(desc, avail, used, UsedLogAddress(ring.Addr!.Value));
            valid = ring.Packed.TryValidate(_memory);
        }
        else
        {
            ring.Queue.SetAddresses(desc, avail, used, UsedLogAddress(ring.Addr!.Value));
            valid = ring.Queue.TryValidate(_memory);
        }
        ring.Release(valid ? BuildSnapshot(ring) : null);
        UpdateQueueCounts();
        return valid ? null : VhostUserError.InvalidParameter;
    }

    /// <summary>
    /// Stops a ring (GET_VRING_BASE): the datapath lets go, the position is read, the kick fd closed. Returns the next
    /// avail index to report (a packed ring's slots and wrap counters, PackedQueueState.ToVhostBase), or null if a
    /// datapath thread never let go. Receive completions run before a datapath thread lets go, so nothing is pending in
    /// a packed ring's used shadow here: its used position equals its avail position.
    /// </summary>
    private uint? StopRing(Vring ring)
    {
        if (!ring.Started)
        {
            return ring.Base;
        }
        if (!ring.TryQuiesce(null, _quiesceTimeout))
        {
            ReportQuiesceTimeout(ring);
            return null;
        }
        uint nextAvail = ring.IsPacked ? ring.Packed.GetState().ToVhostBase() : ring.Queue.GetState().NextAvail;
        ring.Started = false;
        ring.KickReceived = false;
        ring.Base = nextAvail;
        Volatile.Write(ref ring.PublishedKickFd, -1);
        FileDescriptor.CloseIfValid(ring.KickFd);
        ring.KickFd = -1;
        ring.Release(null);
        UpdateQueueCounts();
        VhostUserLog.RingStopped(_logger, _name, ring.Index, nextAvail);
        Changed?.Invoke(VhostUserPortEventKind.RingStopped, ring.Index);
        return nextAvail;
    }

    /// <summary>
    /// Front-end addresses of the three ring areas to guest-physical ones; each whole area must lie in one region. Split
    /// (VIRTIO 1.2 §2.7 sizes, with the event fields): descriptor table, avail ring, used ring. Packed (§2.8): descriptor
    /// ring, then the driver and device event suppression areas (4 bytes each) in the avail and used addresses.
    /// </summary>
    private bool TryTranslate(Vring ring, bool packed, out GuestAddress desc, out GuestAddress avail, out GuestAddress used)
    {
        VringAddr a = ring.Addr!.Value;
        ulong n = ring.Num;
        avail = default;
        used = default;
        return _memory.TryTranslateUserAddress(a.DescUserAddr, 16 * n, out desc)
            && _memory.TryTranslateUserAddress(a.AvailUserAddr, packed ? 4 : 6 + (2 * n), out avail)
            && _memory.TryTranslateUserAddress(a.UsedUserAddr, packed ? 4 : 6 + (8 * n), out used);
    }

    private static GuestAddress? UsedLogAddress(VringAddr addr) =>
        (addr.Flags & VringAddr.LogFlag) != 0 ? new GuestAddress(addr.LogGuestAddr) : null;

    /// <summary>What the datapath may use for <paramref name="ring"/> now, or null when it must leave the ring alone.</summary>
    private RingSnapshot? BuildSnapshot(Vring ring)
    {
        // vhost-user spec, "Ring states": without PROTOCOL_FEATURES a ring starts enabled; with it, SET_VRING_ENABLE decides.
        bool enabled = !Acked(VirtioNetFeatures.ProtocolFeatures) || ring.Enabled;
        if (!ring.Started || !enabled)
        {
            return null;
        }
        DirtyLog? log = Acked(VirtioNetFeatures.LogAll) ? _log?.Log : null;
        ulong features = AckedFeatures;
        int headerSize = VirtioNetHeader.SizeFor(features);
        return new RingSnapshot(_memory, log, ring.CallFd, headerSize, Acked(VirtioNetFeatures.MrgRxbuf), _zeroCopy, ring.Pool, FaultWord)
        {
            LargePool = ring.LargePool,
            FromDriver = VirtioNetOffloads.FromDriver(features),
            ToDriver = VirtioNetOffloads.ToDriver(features),
        };
    }

    private void UpdateQueueCounts()
    {
        int rx = 0, tx = 0;
        bool ready = false;
        for (int pair = 0; pair < _rings.Length / 2; pair++)
        {
            bool guestRx = _rings[2 * pair].IsRunning;
            bool guestTx = _rings[(2 * pair) + 1].IsRunning;
            tx = guestRx ? pair + 1 : tx;
            rx = guestTx ? pair + 1 : rx;
            ready |= guestRx && guestTx;
        }
        Volatile.Write(ref _activeRxQueues, rx);
        Volatile.Write(ref _activeTxQueues, tx);
        bool was = _trafficReady;
        Volatile.Write(ref _trafficReady, ready);
        if (ready && !was)
        {
            VhostUserLog.Running(_logger, _name, Math.Min(rx, tx));
            Changed?.Invoke(VhostUserPortEventKind.Running, -1);
        }
    }

    /// <summary>End of a session: every ring stopped and reset, every fd closed, memory and log released, state cleared.</summary>
    private void Teardown()
    {
        bool quiet = true;
        foreach (Vring ring in _rings)
        {
            if (!ring.TryQuiesce(null, _quiesceTimeout))
            {
                // A datapath thread still holds it: its fds close and the memory goes only once it lets go.
                ReportQuiesceTimeout(ring);
                ring.AbandonConfiguration();
                quiet = false;
                continue;
            }
            FileDescriptor.CloseIfValid(ring.KickFd);
            FileDescriptor.CloseIfValid(ring.CallFd);
            FileDescriptor.CloseIfValid(ring.ErrFd);
            ring.ForgetConfiguration();
            ring.Queue.Reset();
            ring.Packed.Reset();
            ring.Release(null);
        }
        UnmapEverything(quiet);
        if (_rarp.Cancel())
        {
            // The guest left before its transmit ring ran: nothing to announce from a port it no longer uses.
            VhostUserLog.RarpDropped(_logger, _name);
        }
        Volatile.Write(ref _ackedFeatures, 0);
        Volatile.Write(ref _driverOffloads, 0);
        Volatile.Write(ref _ackedProtocol, 0);
        DeviceStatus = 0;
        UpdateQueueCounts();
    }
}
