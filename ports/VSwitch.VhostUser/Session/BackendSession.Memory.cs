using VSwitch.Native;
using VSwitch.VhostUser.Memory;
using VSwitch.VhostUser.Protocol;
using VSwitch.VhostUser.Protocol.Messages;
using VSwitch.VhostUser.Transport;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Net;

namespace VSwitch.VhostUser.Session;

/// <summary>
/// Guest memory and the dirty log: mapping, publishing to the rings, and unmapping only after every ring has been
/// quiesced once with the new snapshot in place (docs/ARCHITECTURE.md, "The vhost-user session and the datapath").
/// </summary>
internal sealed partial class BackendSession
{
    private VhostUserError? SetMemTable(ReadOnlySpan<byte> payload, ReceivedFds fds)
    {
        var table = Read<MemoryTableHeader>(payload);
        if (!table.IsValid(payload.Length))
        {
            return VhostUserError.InvalidParameter;
        }
        if (fds.Count != (int)table.RegionCount)
        {
            // vhost-user spec, SET_MEM_TABLE: "The size and ordering of the fds matches the number and ordering of memory regions."
            return VhostUserError.InvalidFds;
        }
        var mapped = new List<MappedRegion>((int)table.RegionCount);
        for (int i = 0; i < (int)table.RegionCount; i++)
        {
            var region = Read<MemoryRegion>(payload[(MemoryTableHeader.Size + (i * MemoryRegion.Size))..]);
            VhostUserError? error = MappedGuestMemoryFactory.TryMap(region, fds.Peek(i), _fault, NextCookie(), out MappedRegion? one, out string? problem);
            if (error is { } e)
            {
                MappedGuestMemoryFactory.UnmapAll(mapped);
                return Refuse(e, $"region {i}: {problem}");
            }
            mapped.Add(one!);
        }
        List<MappedRegion> old = [.. _regions];
        return ReplaceMemory(mapped, old);
    }

    private VhostUserError? AddMemReg(ReadOnlySpan<byte> payload, ReceivedFds fds)
    {
        if (!Negotiated(ProtocolFeatures.ConfigureMemSlots))
        {
            return VhostUserError.InvalidState;
        }
        var message = Read<SingleMemoryRegion>(payload);
        if (!message.IsValid())
        {
            return VhostUserError.InvalidParameter;
        }
        // QEMU drives one vhost device per queue pair over the same connection, and with CONFIGURE_MEM_SLOTS each of
        // them adds the guest's regions: an identical region is counted, not mapped twice (and not an overlap).
        int same = IndexOfSameRegion(message.Region);
        if (same >= 0)
        {
            _regionRefs[same]++;
            return null;
        }
        if (_regions.Count >= MaxMemSlots)
        {
            return VhostUserError.InvalidParameter;
        }
        VhostUserError? error = MappedGuestMemoryFactory.TryMap(message.Region, fds.Peek(0), _fault, NextCookie(), out MappedRegion? added, out string? problem);
        if (error is { } e)
        {
            return Refuse(e, problem ?? e.ToString());
        }
        List<MappedRegion> next = [.. _regions, added!];
        return ReplaceMemory(next, []);
    }

    // vhost-user spec, REM_MEM_REG: a region is identified "by its guest address, user address and size. The mmap
    // offset is ignored."
    private int IndexOfSameRegion(MemoryRegion wanted) => _regions.FindIndex(r => r.Description.GuestPhysAddr == wanted.GuestPhysAddr
        && r.Description.UserspaceAddr == wanted.UserspaceAddr && r.Description.MemorySize == wanted.MemorySize);

    private VhostUserError? RemMemReg(ReadOnlySpan<byte> payload)
    {
        if (!Negotiated(ProtocolFeatures.ConfigureMemSlots))
        {
            return VhostUserError.InvalidState;
        }
        MemoryRegion wanted = Read<SingleMemoryRegion>(payload).Region;
        int index = IndexOfSameRegion(wanted);
        if (index < 0)
        {
            return VhostUserError.InvalidParameter;
        }
        if (_regionRefs.Count > index && _regionRefs[index] > 1)
        {
            _regionRefs[index]--;
            return null;
        }
        List<MappedRegion> next = [.. _regions];
        MappedRegion removed = next[index];
        next.RemoveAt(index);
        return ReplaceMemory(next, [removed]);
    }

    /// <summary>
    /// Builds a snapshot over <paramref name="next"/>, publishes it to every ring (quiescing each), then unmaps
    /// <paramref name="retired"/>. On a bad table the new mappings (those not in use now) are unmapped and nothing changes.
    /// </summary>
    private VhostUserError? ReplaceMemory(List<MappedRegion> next, List<MappedRegion> retired)
    {
        VhostUserError? error = MappedGuestMemoryFactory.TryBuild(next, out GuestMemory memory);
        if (error is not null)
        {
            List<MappedRegion> fresh = next.FindAll(r => !_regions.Contains(r));
            MappedGuestMemoryFactory.UnmapAll(fresh);
            return error;
        }
        Volatile.Write(ref _memory, memory);
        var refs = new List<int>(next.Count);
        foreach (MappedRegion r in next)
        {
            int at = _regions.IndexOf(r);
            refs.Add(at >= 0 && at < _regionRefs.Count ? _regionRefs[at] : 1);
        }
        _regions.Clear();
        _regions.AddRange(next);
        _regionRefs.Clear();
        _regionRefs.AddRange(refs);
        PublishRegionStatus();
        bool quiet = RepublishAll();
        Retire(retired.Select(r => r.Mapping), quiet);
        ulong bytes = 0;
        foreach (MappedRegion r in next)
        {
            bytes += r.Description.MemorySize;
        }
        VhostUserLog.MemorySet(_logger, _name, next.Count, bytes);
        return quiet ? StartPendingRings() : VhostUserError.QuiesceTimeout;
    }

    /// <summary>
    /// Maps the dirty log (live migration) and hands it to every ring; a log replaced while in use is unmapped only
    /// after every ring was quiesced with the new one published (as memory tables are). A log too small for the guest
    /// memory mapped now would let pages go unmarked, so it is refused; memory added after the log is not checked (QEMU
    /// keeps a stale log mapped after a cancelled migration), its pages are counted as beyond the log.
    /// </summary>
    private VhostUserError? SetLogBase(ReadOnlySpan<byte> payload, ReceivedFds fds)
    {
        if (!Negotiated(ProtocolFeatures.LogShmfd))
        {
            // Without LOG_SHMFD the payload would be a bare u64 and no fd: a protocol this back-end does not speak.
            return VhostUserError.InvalidState;
        }
        var description = Read<LogPayload>(payload);
        ulong memoryEnd = GuestMemoryEnd();
        ulong covered = LogCoverage(description.MmapSize);
        if (description.IsValid() && covered < memoryEnd)
        {
            return Refuse(VhostUserError.InvalidParameter,
                $"dirty log of {description.MmapSize} bytes covers guest memory up to 0x{covered:x}, but guest memory ends at 0x{memoryEnd:x}");
        }
        MappedLog? log = MappedLog.TryMap(description, fds.Peek(0), _fault, NextCookie(), out string? problem);
        if (log is null)
        {
            return Refuse(description.IsValid() ? VhostUserError.MapFailed : VhostUserError.InvalidParameter, "dirty log: " + problem);
        }
        MappedLog? old = _log;
        Volatile.Write(ref _log, log);
        bool quiet = RepublishAll();
        Retire(old, quiet);
        KeepLogCounters(old);
        VhostUserLog.LogSet(_logger, _name, description.MmapSize, covered, memoryEnd,
            old is null ? "" : $"; replaces a log of {old.Log.SizeBytes} bytes");
        if (old is null && Acked(VirtioNetFeatures.LogAll))
        {
            VhostUserLog.LoggingOnWithLog(_logger, _name, description.MmapSize);
        }
        // QEMU waits for a reply to SET_LOG_BASE when LOG_SHMFD is negotiated (vhost-user spec, "Communication");
        // it reads the header only, so a zero u64 (the REPLY_ACK convention for success) serves every reader.
        if (!ReplyU64(FrontendRequest.SetLogBase, 0))
        {
            return VhostUserError.SocketBroken;
        }
        return quiet ? null : VhostUserError.QuiesceTimeout;
    }

    /// <summary>The end of the highest guest memory region mapped now (0 with none).</summary>
    private ulong GuestMemoryEnd()
    {
        ulong end = 0;
        foreach (MappedRegion r in _regions)
        {
            // Regions were validated when mapped: guest address + size does not wrap.
            end = Math.Max(end, r.Description.GuestPhysAddr + r.Description.MemorySize);
        }
        return end;
    }

    /// <summary>Guest memory a log of <paramref name="bytes"/> covers from address 0: 8 pages of 4 KiB per byte.</summary>
    private static ulong LogCoverage(ulong bytes) =>
        bytes > ulong.MaxValue / (8 * DirtyLog.PageSize) ? ulong.MaxValue : bytes * 8 * DirtyLog.PageSize;

    /// <summary>Adds the counters of a log that goes away to the port's totals (status shows them for the port's life).</summary>
    private void KeepLogCounters(MappedLog? retired)
    {
        if (retired is not null)
        {
            Interlocked.Add(ref _retiredPagesMarked, retired.Log.PagesMarked);
            Interlocked.Add(ref _retiredPagesBeyondLog, retired.Log.OutOfRange);
        }
    }

    private VhostUserError? SetLogFd(ReceivedFds fds)
    {
        // An eventfd to tell the front-end the log changed; the switch never signals it but keeps it for the session.
        FileDescriptor.CloseIfValid(_logFd);
        _logFd = fds.Take(0);
        return null;
    }

    /// <summary>
    /// Republishes every ring's snapshot from the current memory, log, features and fds, quiescing each ring once.
    /// Returns false if some ring could not be quiesced (it is left without a snapshot).
    /// </summary>
    private bool RepublishAll()
    {
        bool quiet = true;
        foreach (Vring ring in _rings)
        {
            if (!ring.TryQuiesce(null, _quiesceTimeout))
            {
                ReportQuiesceTimeout(ring);
                quiet = false;
                continue;
            }
            ring.Release(BuildSnapshot(ring));
        }
        UpdateQueueCounts();
        return quiet;
    }

    /// <summary>
    /// Releases mappings no snapshot refers to any more. Only when every ring was just quiesced (<paramref name="quiet"/>)
    /// can no datapath thread still read them; otherwise they wait in a pending list, released at the next quiet point.
    /// Leaking a mapping is the only safe choice while some datapath thread might still read it.
    /// </summary>
    private void Retire(IEnumerable<IDisposable?> retired, bool quiet)
    {
        foreach (IDisposable? item in retired)
        {
            if (item is not null)
            {
                _pendingRelease.Add(item);
            }
        }
        if (quiet)
        {
            foreach (IDisposable item in _pendingRelease)
            {
                item.Dispose();
            }
            _pendingRelease.Clear();
        }
    }

    private void Retire(IDisposable? retired, bool quiet) => Retire([retired], quiet);

    private void ReportQuiesceTimeout(Vring ring) =>
        VhostUserLog.QuiesceTimeout(_logger, _name, ring.Index, _quiesceTimeout.TotalSeconds);

    /// <summary>Releases all guest memory and the log at the end of a session (held back if a ring could not be quiesced).</summary>
    private void UnmapEverything(bool quiet)
    {
        Volatile.Write(ref _memory, GuestMemory.Empty);
        MappedLog? log = _log;
        var retired = new List<IDisposable?>(_regions.Select(r => r.Mapping)) { log };
        _regions.Clear();
        _regionRefs.Clear();
        PublishRegionStatus();
        Volatile.Write(ref _log, null);
        Retire(retired, quiet);
        KeepLogCounters(log);
        FileDescriptor.CloseIfValid(_logFd);
        _logFd = -1;
    }

    /// <summary>Publishes the region list with backing and seals for <see cref="Regions"/> (status readers on any thread).</summary>
    private void PublishRegionStatus()
    {
        var status = new VhostUserRegionStatus[_regions.Count];
        for (int i = 0; i < status.Length; i++)
        {
            MappedRegion r = _regions[i];
            status[i] = new VhostUserRegionStatus(i, r.Description.GuestPhysAddr, r.Description.MemorySize, r.Mapping.Backing.Kind, r.Mapping.Backing.ShrinkSealed);
        }
        _regionStatus = status;
    }
}
