using System.Globalization;
using VSwitch.Native;
using VSwitch.VhostUser.Memory;

namespace VSwitch.VhostUser.Session;

/// <summary>
/// What a front-end can do to the port without sending a malformed message, checked on the session thread between
/// messages (at least every <see cref="PollIntervalMs"/>): shrink a file the switch maps (contained by
/// <see cref="GuestFaultGuard"/>, reported here), turn a ring eventfd blocking again, or leave a datapath thread
/// blocked on a full call eventfd. Each ends the session with a reason that stays in <see cref="Failure"/> until the
/// next front-end connects.
/// </summary>
internal sealed partial class BackendSession
{
    /// <summary>Frees the port's native state; call once the session thread has ended (the port is disposed).</summary>
    public void ReleaseNativeState()
    {
        _fault.Release();
        ReleasePools();
    }

    /// <summary>
    /// Releases the receive pools (unmaps huge-page slabs) of the rings no datapath thread holds; a ring still held
    /// keeps its pool, which the collector releases once nothing refers to it.
    /// </summary>
    private void ReleasePools()
    {
        foreach (Vring ring in _rings)
        {
            if (ring.Pool is null && ring.LargePool is null)
            {
                continue;
            }
            if (ring.TryQuiesce(null, _quiesceTimeout))
            {
                ring.Pool?.Dispose();
                ring.LargePool?.Dispose();
                ring.Pool = null;
                ring.LargePool = null;
                ring.Release(null);
            }
        }
    }

    /// <summary>The fault word every ring snapshot carries (the datapath checks it once per batch).</summary>
    private nint FaultWord => _fault.Address;

    /// <summary>A cookie for the next mapping (never 0, the word's "no fault").</summary>
    private int NextCookie()
    {
        _nextCookie = _nextCookie == int.MaxValue ? 1 : _nextCookie + 1;
        return _nextCookie;
    }

    /// <summary>Null while the front-end behaves; otherwise fails the port with the reason and returns the error.</summary>
    private VhostUserError? CheckFrontEndHarm()
    {
        int cookie = _fault.Cookie;
        if (cookie != 0)
        {
            Fail(DescribeFault(cookie));
            return VhostUserError.GuestMemoryFault;
        }
        foreach (Vring ring in _rings)
        {
            NoteCallFailures(ring);
            if (CheckRingEventFds(ring) is { } problem)
            {
                Fail(problem);
                return VhostUserError.BlockingEventFd;
            }
        }
        return null;
    }

    private void Fail(string reason)
    {
        _failure = reason;
        LastError = reason;
        VhostUserLog.FrontEndHarm(_logger, _name, reason);
        Changed?.Invoke(VhostUserPortEventKind.Failed, -1);
    }

    private string DescribeFault(int cookie)
    {
        for (int i = 0; i < _regions.Count; i++)
        {
            MappedRegion r = _regions[i];
            if (r.Mapping.Cookie == cookie)
            {
                return string.Create(CultureInfo.InvariantCulture,
                    $"guest memory region {i} (guest address 0x{r.Description.GuestPhysAddr:x}, {r.Description.MemorySize} bytes, {r.Mapping.Backing}) shrank under the mapping (file truncated by the front-end)");
            }
        }
        if (_log is { } log && log.Mapping.Cookie == cookie)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"the dirty log ({log.Log.SizeBytes} bytes, {log.Mapping.Backing}) shrank under the mapping (file truncated by the front-end)");
        }
        return "a guest memory mapping the front-end replaced earlier shrank under the switch (file truncated by the front-end)";
    }

    /// <summary>
    /// The kick and call eventfds of <paramref name="ring"/> must stay non-blocking, and no datapath thread may be caught
    /// writing a full call eventfd: the front-end can clear O_NONBLOCK on the shared description, fill the counter and
    /// set the flag again between two checks, and the thread then stays in the write. An honest front-end's counter is
    /// never full (it takes 2^64-2 notifications), so either finding ends the session; a blocked writer is freed first,
    /// by draining the counter.
    /// </summary>
    private string? CheckRingEventFds(Vring ring)
    {
        string? problem = null;
        if (ring.CallFd >= 0 && !RingEventFd.IsNonBlocking(ring.CallFd))
        {
            problem = $"ring {ring.Index}: the front-end made its call eventfd blocking again (O_NONBLOCK cleared)";
        }
        else if (ring.KickFd >= 0 && !RingEventFd.IsNonBlocking(ring.KickFd))
        {
            problem = $"ring {ring.Index}: the front-end made its kick eventfd blocking again (O_NONBLOCK cleared)";
        }
        else if (ring.InCallWrite && ring.CallFd >= 0 && FileDescriptor.IsWriteBlocked(ring.CallFd))
        {
            problem = $"ring {ring.Index}: a datapath thread was caught writing the call eventfd with its counter full (a front-end that clears O_NONBLOCK can block it there)";
        }
        if (problem is not null)
        {
            _ = RingEventFd.ReleaseBlockedWriter(ring.CallFd);
        }
        return problem;
    }

    /// <summary>Logs the first failed guest notification of a ring in a session (the count itself is in the status).</summary>
    private void NoteCallFailures(Vring ring)
    {
        if (!ring.CallFailureLogged && Volatile.Read(ref ring.CallFailures) != 0)
        {
            ring.CallFailureLogged = true;
            VhostUserLog.CallFailed(_logger, _name, ring.Index);
        }
    }
}
