using System.Runtime.InteropServices;
using VSwitch.Core.Net;
using VSwitch.VhostUser.Memory;
using VSwitch.VhostUser.Protocol;
using VSwitch.VhostUser.Protocol.Messages;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Net;

namespace VSwitch.VhostUser.Session;

/// <summary>Device-wide requests: features, memory, log, status, MTU, RARP.</summary>
internal sealed partial class BackendSession
{
    private VhostUserError? GetFeatures() => ReplyU64((ulong)VhostUserPort.OfferedFeatures);

    private VhostUserError? SetFeatures(ulong features)
    {
        if ((features & ~(ulong)VhostUserPort.OfferedFeatures) != 0)
        {
            return VhostUserError.InvalidParameter;
        }
        bool eventIdx = (features & (ulong)VirtioNetFeatures.EventIdx) != 0;
        // Rings that already run keep their layout; only the notification scheme and header size follow the new set.
        for (int i = 0; i < _port.VringCount; i++)
        {
            var ring = _port.GetVring(i);
            ring.EnterExclusive();
            ring.Queue.EventIdx = eventIdx;
            ring.Exit();
        }
        _port.SetAckedFeatures(features);
        Log.Info(Logger, _port.Name, $"features acked 0x{features:x}: {string.Join(' ', FeatureNames.Of((VirtioNetFeatures)features))}");
        // vhost-user spec: without PROTOCOL_FEATURES, rings are enabled as soon as they start.
        if ((features & (ulong)VirtioNetFeatures.ProtocolFeatures) == 0)
        {
            for (int i = 0; i < _port.VringCount; i++)
            {
                var ring = _port.GetVring(i);
                ring.EnterExclusive();
                ring.Enabled = true;
                ring.UpdateRunning();
                ring.Exit();
            }
            _port.RefreshQueues();
        }
        return null;
    }

    private VhostUserError? SetProtocolFeatures(ulong features)
    {
        if ((features & ~(ulong)VhostUserPort.OfferedProtocolFeatures) != 0)
        {
            return VhostUserError.InvalidParameter;
        }
        _port.SetAckedProtocol((ProtocolFeatures)features);
        return null;
    }

    private VhostUserError? ResetOwner()
    {
        for (int i = 0; i < _port.VringCount; i++)
        {
            var ring = _port.GetVring(i);
            ring.EnterExclusive();
            ring.Reset();
            ring.Exit();
        }
        _port.RefreshQueues();
        return null;
    }

    private VhostUserError? SetMemTable(ReadOnlySpan<byte> p)
    {
        var header = MemoryMarshal.Read<MemoryTableHeader>(p);
        int count = (p.Length - MemoryTableHeader.Size) / MemoryRegion.Size;
        if (header.RegionCount != count || _fds.Count != count)
        {
            return VhostUserError.InvalidParameter;
        }
        var mapped = new List<MappedRegion>(count);
        for (int i = 0; i < count; i++)
        {
            var d = MemoryMarshal.Read<MemoryRegion>(p[(MemoryTableHeader.Size + (i * MemoryRegion.Size))..]);
            var r = d.IsValid() ? MappedRegion.TryMap(d, _fds.Take(i)) : null;
            if (r is null)
            {
                DisposeAll(mapped);
                return d.IsValid() ? VhostUserError.MapFailed : VhostUserError.InvalidParameter;
            }
            mapped.Add(r);
        }
        return Publish(mapped);
    }

    private VhostUserError? AddMemReg(MemoryRegion d)
    {
        if (!d.IsValid() || _port.Regions.Count >= VhostUserPort.MaxMemSlots)
        {
            return VhostUserError.InvalidParameter;
        }
        var r = MappedRegion.TryMap(d, _fds.Take(0));
        if (r is null)
        {
            return VhostUserError.MapFailed;
        }
        var regions = new List<MappedRegion>(_port.Regions) { r };
        var error = Publish(regions, keepOnFailure: true);
        if (error is not null)
        {
            r.Dispose();
        }
        return error;
    }

    private VhostUserError? RemMemReg(MemoryRegion d)
    {
        var regions = new List<MappedRegion>(_port.Regions);
        int i = regions.FindIndex(r => r.Description.GuestPhysAddr == d.GuestPhysAddr && r.Description.MemorySize == d.MemorySize);
        if (i < 0)
        {
            return VhostUserError.InvalidParameter;
        }
        regions.RemoveAt(i);
        return Publish(regions, keepOnFailure: true);
    }

    /// <summary>Builds the new snapshot (rejecting overlaps), publishes it, and lets the port unmap what is gone after quiescence.</summary>
    private VhostUserError? Publish(List<MappedRegion> regions, bool keepOnFailure = false)
    {
        GuestMemory memory;
        try
        {
            var guestRegions = new GuestRegion[regions.Count];
            for (int i = 0; i < regions.Count; i++)
            {
                guestRegions[i] = regions[i].ToGuestRegion();
            }
            memory = new GuestMemory(guestRegions);
        }
        catch (ArgumentException)
        {
            if (!keepOnFailure)
            {
                DisposeAll(regions);
            }
            return VhostUserError.InvalidParameter;
        }
        _port.ReplaceMemory(regions, memory);
        // Running rings must still lie in the new memory; a ring that does not is broken, not the whole port.
        for (int i = 0; i < _port.VringCount; i++)
        {
            var ring = _port.GetVring(i);
            if (ring.Started && !ring.Queue.TryValidate(memory))
            {
                ring.EnterExclusive();
                ring.Queue.MarkBroken(Virtio.Queue.ChainStatus.OutOfRange);
                ring.UpdateRunning();
                ring.Exit();
            }
        }
        _port.RefreshQueues();
        Log.Info(Logger, _port.Name, $"guest memory: {regions.Count} region(s)");
        return null;
    }

    private static void DisposeAll(List<MappedRegion> regions)
    {
        foreach (var r in regions)
        {
            r.Dispose();
        }
    }

    private VhostUserError? SetLogBase(LogDescription d)
    {
        if ((_port.AckedProtocol & ProtocolFeatures.LogShmfd) == 0 || !d.IsValid())
        {
            return VhostUserError.InvalidParameter;
        }
        var log = MappedLog.TryMap(d, _fds.Take(0));
        if (log is null)
        {
            return VhostUserError.MapFailed;
        }
        _port.ReplaceLog(log);
        // vhost-user spec, SET_LOG_BASE: with LOG_SHMFD the back-end replies once the log is mapped.
        return ReplyU64(0);
    }

    private VhostUserError? SetStatus(ulong status)
    {
        if (status > 0xff)
        {
            return VhostUserError.InvalidParameter;
        }
        _port.DeviceStatus = (byte)status;
        return null;
    }

    private VhostUserError? NetSetMtu(ulong mtu)
    {
        // virtio-net: the MTU field is 16 bits; 68 is the IPv4 minimum.
        if (mtu is < 68 or > 65535)
        {
            return VhostUserError.InvalidParameter;
        }
        _port.FrontendMtu = (int)mtu;
        Log.Info(Logger, _port.Name, $"MTU {mtu}");
        return null;
    }

    private VhostUserError? SendRarp(ulong payload)
    {
        Span<byte> b = stackalloc byte[8];
        MemoryMarshal.Write(b, in payload);
        var mac = MacAddress.Read(b);
        _port.RarpMac = mac.ToString();
        Log.Info(Logger, _port.Name, $"RARP requested for {mac}");
        return null;
    }
}
