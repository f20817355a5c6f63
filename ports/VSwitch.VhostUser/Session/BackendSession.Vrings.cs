using VSwitch.VhostUser.Interop;
using VSwitch.VhostUser.Protocol.Messages;
using VSwitch.Virtio.Queue;

namespace VSwitch.VhostUser.Session;

/// <summary>Per-ring requests. Every one checks the ring index first, in <see cref="TryGetRing"/>.</summary>
internal sealed partial class BackendSession
{
    private bool TryGetRing(uint index, out Vring ring)
    {
        if (index >= (uint)_port.VringCount)
        {
            ring = null!;
            return false;
        }
        ring = _port.GetVring((int)index);
        return true;
    }

    private VhostUserError? SetVringNum(VringState s)
    {
        if (!TryGetRing(s.Index, out var ring))
        {
            return VhostUserError.InvalidParameter;
        }
        // VIRTIO 1.2 §2.7: the queue size is a power of two, at most 32768.
        if (s.Num == 0 || s.Num > SplitQueue.MaxSize || (s.Num & (s.Num - 1)) != 0)
        {
            return VhostUserError.InvalidParameter;
        }
        if (ring.Started)
        {
            return VhostUserError.InvalidState;
        }
        ring.Num = (ushort)s.Num;
        return null;
    }

    private VhostUserError? SetVringAddr(VringAddr a)
    {
        if (!TryGetRing(a.Index, out var ring) || !a.IsValid())
        {
            return VhostUserError.InvalidParameter;
        }
        if (!ring.Started)
        {
            ring.Addr = a;
            return null;
        }
        // A running ring only changes its logging (QEMU turns used-ring logging on for migration): reconfigure under the flag.
        ring.EnterExclusive();
        var state = ring.Queue.GetState();
        ring.Addr = a;
        ring.Base = state.NextAvail;
        bool ok = ring.TryConfigure(_port.Memory, _port.EventIdx);
        ring.Queue.SetState(state);
        if (!ok)
        {
            ring.Queue.MarkBroken(ChainStatus.OutOfRange);
        }
        ring.UpdateRunning();
        ring.Exit();
        _port.RefreshQueues();
        return ok ? null : VhostUserError.InvalidParameter;
    }

    private VhostUserError? SetVringBase(VringState s)
    {
        if (!TryGetRing(s.Index, out var ring) || s.Num > ushort.MaxValue)
        {
            return VhostUserError.InvalidParameter;
        }
        if (ring.Started)
        {
            return VhostUserError.InvalidState;
        }
        ring.Base = (ushort)s.Num;
        return null;
    }

    private VhostUserError? GetVringBase(VringState s)
    {
        if (!TryGetRing(s.Index, out var ring))
        {
            return VhostUserError.InvalidParameter;
        }
        // vhost-user spec, GET_VRING_BASE: stop the ring, then reply with its next available index.
        ring.EnterExclusive();
        ushort next = ring.Started ? ring.Queue.GetState().NextAvail : ring.Base;
        ring.Started = false;
        ring.Base = next;
        Libc.CloseIfValid(ring.KickFd);
        ring.KickFd = -1;
        ring.KickPolling = false;
        ring.UpdateRunning();
        ring.Exit();
        _port.RefreshQueues();
        return Reply(new VringState(s.Index, next));
    }

    private VhostUserError? SetVringKick(VringFdPayload p)
    {
        if (!p.IsValid() || !TryGetRing(p.Index, out var ring) || p.NoFd == (_fds.Count == 1))
        {
            return p.IsValid() && p.Index < (uint)_port.VringCount ? VhostUserError.InvalidFds : VhostUserError.InvalidParameter;
        }
        ring.EnterExclusive();
        Libc.CloseIfValid(ring.KickFd);
        ring.KickFd = p.NoFd ? -1 : _fds.Take(0);
        ring.KickPolling = p.NoFd;
        // The kick starts the ring (vhost-user spec, "Starting and stopping rings").
        bool ok = ring.TryConfigure(_port.Memory, _port.EventIdx);
        ring.Started = ok;
        if (ok && (_port.AckedFeatures & (ulong)Virtio.Net.VirtioNetFeatures.ProtocolFeatures) == 0)
        {
            ring.Enabled = true;
        }
        ring.UpdateRunning();
        ring.Exit();
        _port.RefreshQueues();
        return ok ? null : VhostUserError.InvalidParameter;
    }

    private VhostUserError? SetVringCall(VringFdPayload p)
    {
        if (!p.IsValid() || !TryGetRing(p.Index, out var ring) || p.NoFd == (_fds.Count == 1))
        {
            return p.IsValid() && p.Index < (uint)_port.VringCount ? VhostUserError.InvalidFds : VhostUserError.InvalidParameter;
        }
        // The datapath reads CallFd per batch: swap it while it cannot be inside a batch, so it never writes to a closed fd.
        ring.EnterExclusive();
        int old = ring.CallFd;
        ring.CallFd = p.NoFd ? -1 : _fds.Take(0);
        ring.Exit();
        Libc.CloseIfValid(old);
        return null;
    }

    private VhostUserError? SetVringErr(VringFdPayload p)
    {
        if (!p.IsValid() || !TryGetRing(p.Index, out var ring) || p.NoFd == (_fds.Count == 1))
        {
            return p.IsValid() && p.Index < (uint)_port.VringCount ? VhostUserError.InvalidFds : VhostUserError.InvalidParameter;
        }
        Libc.CloseIfValid(ring.ErrFd);
        ring.ErrFd = p.NoFd ? -1 : _fds.Take(0);
        return null;
    }

    private VhostUserError? SetVringEnable(VringState s)
    {
        if (!TryGetRing(s.Index, out var ring) || s.Num > 1)
        {
            return VhostUserError.InvalidParameter;
        }
        ring.EnterExclusive();
        ring.Enabled = s.Num == 1;
        ring.UpdateRunning();
        ring.Exit();
        _port.RefreshQueues();
        return null;
    }
}
