namespace VSwitch.TestKit.Virtio;

/// <summary>Front-end request numbers as the vhost-user specification lists them (kept apart from the back-end's enum).</summary>
public static class FakeFrontendRequest
{
    public const uint GetFeatures = 1;
    public const uint SetFeatures = 2;
    public const uint SetOwner = 3;
    public const uint ResetOwner = 4;
    public const uint SetMemTable = 5;
    public const uint SetLogBase = 6;
    public const uint SetLogFd = 7;
    public const uint SetVringNum = 8;
    public const uint SetVringAddr = 9;
    public const uint SetVringBase = 10;
    public const uint GetVringBase = 11;
    public const uint SetVringKick = 12;
    public const uint SetVringCall = 13;
    public const uint SetVringErr = 14;
    public const uint GetProtocolFeatures = 15;
    public const uint SetProtocolFeatures = 16;
    public const uint GetQueueNum = 17;
    public const uint SetVringEnable = 18;
    public const uint SendRarp = 19;
    public const uint NetSetMtu = 20;
    public const uint SetBackendReqFd = 21;
    public const uint IotlbMsg = 22;
    public const uint GetConfig = 24;
    public const uint GetMaxMemSlots = 36;
    public const uint AddMemReg = 37;
    public const uint RemMemReg = 38;
    public const uint SetStatus = 39;
    public const uint GetStatus = 40;

    /// <summary>Virtio feature bits the tests use (VIRTIO 1.2 §5.1.3, §6).</summary>
    public const ulong FeatureMrgRxbuf = 1UL << 15;
    public const ulong FeatureMq = 1UL << 22;
    public const ulong FeatureLogAll = 1UL << 26;
    public const ulong FeatureIndirectDesc = 1UL << 28;
    public const ulong FeatureEventIdx = 1UL << 29;
    public const ulong FeatureProtocolFeatures = 1UL << 30;
    public const ulong FeatureVersion1 = 1UL << 32;
    public const ulong FeatureRingPacked = 1UL << 34;

    /// <summary>
    /// The offload features a Linux guest acks when offered: CSUM, GUEST_CSUM, GUEST_TSO4, GUEST_TSO6, GUEST_ECN,
    /// HOST_TSO4, HOST_TSO6, HOST_ECN (VIRTIO 1.2 §5.1.3).
    /// </summary>
    public const ulong FeatureOffloads =
        (1UL << 0) | (1UL << 1) | (1UL << 7) | (1UL << 8) | (1UL << 9) | (1UL << 11) | (1UL << 12) | (1UL << 13);

    /// <summary>Protocol feature bits (vhost-user spec, "Protocol features").</summary>
    public const ulong ProtocolMq = 1UL << 0;
    public const ulong ProtocolLogShmfd = 1UL << 1;
    public const ulong ProtocolRarp = 1UL << 2;
    public const ulong ProtocolReplyAck = 1UL << 3;
    public const ulong ProtocolNetMtu = 1UL << 4;
    public const ulong ProtocolBackendReq = 1UL << 5;
    public const ulong ProtocolConfigureMemSlots = 1UL << 15;
    public const ulong ProtocolStatus = 1UL << 16;
}
