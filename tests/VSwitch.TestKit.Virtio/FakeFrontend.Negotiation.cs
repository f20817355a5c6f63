namespace VSwitch.TestKit.Virtio;

/// <summary>Whole negotiations in the orders real front-ends use.</summary>
public sealed partial class FakeFrontend
{
    /// <summary>Protocol features QEMU 7.2's vhost-user-net knows (it acks the ones the back-end offers).</summary>
    public const ulong QemuProtocolFeatures =
        FakeFrontendRequest.ProtocolMq | FakeFrontendRequest.ProtocolLogShmfd | FakeFrontendRequest.ProtocolRarp
        | FakeFrontendRequest.ProtocolReplyAck | FakeFrontendRequest.ProtocolNetMtu | FakeFrontendRequest.ProtocolBackendReq
        | FakeFrontendRequest.ProtocolConfigureMemSlots | FakeFrontendRequest.ProtocolStatus;

    /// <summary>Features a Linux guest acks when they are offered (virtio-net driver, QEMU masks with the back-end's offer).</summary>
    public const ulong LinuxGuestFeatures =
        FakeFrontendRequest.FeatureVersion1 | FakeFrontendRequest.FeatureMrgRxbuf | FakeFrontendRequest.FeatureEventIdx
        | FakeFrontendRequest.FeatureIndirectDesc | FakeFrontendRequest.FeatureMq | FakeFrontendRequest.FeatureProtocolFeatures
        | (1UL << 16) | (1UL << 21);

    /// <summary>Features acked by the last negotiation.</summary>
    public ulong AckedFeatures { get; private set; }

    /// <summary>Protocol features acked by the last negotiation.</summary>
    public ulong AckedProtocolFeatures { get; private set; }

    /// <summary>
    /// The message sequence QEMU 7.2's vhost-user-net sends for a Linux guest (ports/VSwitch.VhostUser/README.md, "What QEMU sends"), for
    /// <paramref name="queuePairs"/> queue pairs whose rings (created here if missing) start at <paramref name="vringBase"/>,
    /// or at <paramref name="vringBases"/>[index] when given (a front-end resuming after a back-end restart).
    /// With CONFIGURE_MEM_SLOTS negotiated the memory goes as ADD_MEM_REG per region, as QEMU does then; otherwise as
    /// SET_MEM_TABLE. Every request QEMU sends with NEED_REPLY is acknowledged and checked.
    /// </summary>
    public void NegotiateLikeQemu(int queuePairs = 1, ulong features = LinuxGuestFeatures, ulong protocolFeatures = QemuProtocolFeatures, uint? vringBase = null, IReadOnlyList<uint>? vringBases = null)
    {
        // 1. capabilities
        ulong offered = GetFeatures();
        AckedProtocolFeatures = GetProtocolFeatures() & protocolFeatures;
        SetProtocolFeatures(AckedProtocolFeatures);
        bool replyAck = (AckedProtocolFeatures & FakeFrontendRequest.ProtocolReplyAck) != 0;
        if (GetQueueNum() < (ulong)queuePairs)
        {
            throw new InvalidOperationException("back-end offers fewer queue pairs than asked for");
        }
        // 2. ownership
        SetOwner();
        _ = GetFeatures();
        EnsureRings(queuePairs);
        // 3. call and err fds for each ring
        foreach (FakeFrontendRing ring in _rings.Values)
        {
            SetVringCall(ring.Index, ring.CallFd);
            SetVringErr(ring.Index, -1);
        }
        // 4. the driver probes: rings toggled before any is set up
        foreach (FakeFrontendRing ring in _rings.Values)
        {
            SetVringEnable(ring.Index, false);
            SetVringEnable(ring.Index, true);
        }
        // 5. DRIVER_OK: features, status, memory
        AckedFeatures = offered & (features | (PackedRings ? FakeFrontendRequest.FeatureRingPacked : 0));
        SetFeatures(AckedFeatures);
        bool status = (AckedProtocolFeatures & FakeFrontendRequest.ProtocolStatus) != 0;
        if (status)
        {
            SetStatus(GetStatus() | 0x08);
        }
        bool wasReplyAck = UseReplyAck;
        UseReplyAck = replyAck;
        if ((AckedProtocolFeatures & FakeFrontendRequest.ProtocolConfigureMemSlots) != 0)
        {
            _ = GetMaxMemSlots();
            foreach (FakeFrontendRegion region in _regions)
            {
                AddMemReg(region);
            }
        }
        else
        {
            SetMemTable();
        }
        UseReplyAck = wasReplyAck;
        // 6. per ring
        foreach (FakeFrontendRing ring in _rings.Values)
        {
            StartRing(ring, vringBases is null ? vringBase : vringBases[(int)ring.Index]);
        }
        // 7. running
        if (status)
        {
            SetStatus(GetStatus() | 0x0f);
        }
    }

    /// <summary>
    /// The sequence of DPDK's net_virtio_user (22.11): SET_OWNER, features, protocol features, queue count; then at
    /// start SET_FEATURES, SET_MEM_TABLE, SET_VRING_CALL for every ring, then NUM/BASE/ADDR/KICK for every ring, then
    /// SET_VRING_ENABLE per queue pair and the DRIVER_OK status.
    /// </summary>
    public void NegotiateLikeDpdk(int queuePairs = 1, bool mergeable = false)
    {
        SetOwner();
        ulong offered = GetFeatures();
        AckedProtocolFeatures = GetProtocolFeatures() & (FakeFrontendRequest.ProtocolMq | FakeFrontendRequest.ProtocolReplyAck | FakeFrontendRequest.ProtocolStatus);
        SetProtocolFeatures(AckedProtocolFeatures);
        if (GetQueueNum() < (ulong)queuePairs)
        {
            throw new InvalidOperationException("back-end offers fewer queue pairs than asked for");
        }
        EnsureRings(queuePairs);
        ulong wanted = FakeFrontendRequest.FeatureVersion1 | FakeFrontendRequest.FeatureProtocolFeatures | FakeFrontendRequest.FeatureMq
            | (mergeable ? FakeFrontendRequest.FeatureMrgRxbuf : 0) | (PackedRings ? FakeFrontendRequest.FeatureRingPacked : 0);
        AckedFeatures = offered & wanted;
        SetFeatures(AckedFeatures);
        UseReplyAck = (AckedProtocolFeatures & FakeFrontendRequest.ProtocolReplyAck) != 0;
        SetMemTable();
        foreach (FakeFrontendRing ring in _rings.Values)
        {
            SetVringCall(ring.Index, ring.CallFd);
        }
        foreach (FakeFrontendRing ring in _rings.Values)
        {
            SetVringNum(ring.Index, ring.QueueSize);
            // DPDK's virtio-user sends 0, or for a packed ring the avail wrap counter alone (bit 15).
            SetVringBase(ring.Index, ring.IsPacked ? 0x8000u : 0);
            SetVringAddr(ring);
            SetVringKick(ring.Index, ring.KickFd);
        }
        foreach (FakeFrontendRing ring in _rings.Values)
        {
            SetVringEnable(ring.Index, true);
        }
        SetStatus(0x0f);
        UseReplyAck = false;
    }

    private void EnsureRings(int queuePairs)
    {
        if (_regions.Count == 0)
        {
            AddRegion();
        }
        for (uint i = 0; i < (uint)(2 * queuePairs); i++)
        {
            if (!_rings.ContainsKey(i))
            {
                CreateRing(i);
            }
        }
    }
}
