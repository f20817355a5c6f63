using System.Buffers.Binary;

namespace VSwitch.TestKit.Virtio;

/// <summary>Typed requests: payloads encoded as the vhost-user specification lays them out (host byte order).</summary>
public sealed partial class FakeFrontend
{
    /// <summary>GET_FEATURES.</summary>
    public ulong GetFeatures() => Ask(FakeFrontendRequest.GetFeatures).U64;

    /// <summary>SET_FEATURES.</summary>
    public void SetFeatures(ulong features) => Tell(FakeFrontendRequest.SetFeatures, U64(features));

    /// <summary>GET_PROTOCOL_FEATURES.</summary>
    public ulong GetProtocolFeatures() => Ask(FakeFrontendRequest.GetProtocolFeatures).U64;

    /// <summary>SET_PROTOCOL_FEATURES.</summary>
    public void SetProtocolFeatures(ulong features) => Tell(FakeFrontendRequest.SetProtocolFeatures, U64(features));

    /// <summary>GET_QUEUE_NUM.</summary>
    public ulong GetQueueNum() => Ask(FakeFrontendRequest.GetQueueNum).U64;

    /// <summary>SET_OWNER.</summary>
    public void SetOwner() => Tell(FakeFrontendRequest.SetOwner, []);

    /// <summary>GET_STATUS.</summary>
    public ulong GetStatus() => Ask(FakeFrontendRequest.GetStatus).U64;

    /// <summary>SET_STATUS.</summary>
    public void SetStatus(ulong status) => Tell(FakeFrontendRequest.SetStatus, U64(status));

    /// <summary>GET_MAX_MEM_SLOTS.</summary>
    public ulong GetMaxMemSlots() => Ask(FakeFrontendRequest.GetMaxMemSlots).U64;

    /// <summary>SET_VRING_NUM.</summary>
    public void SetVringNum(uint index, uint num) => Tell(FakeFrontendRequest.SetVringNum, VringState(index, num));

    /// <summary>SET_VRING_BASE.</summary>
    public void SetVringBase(uint index, uint num) => Tell(FakeFrontendRequest.SetVringBase, VringState(index, num));

    /// <summary>SET_VRING_ENABLE.</summary>
    public void SetVringEnable(uint index, bool enable) => Tell(FakeFrontendRequest.SetVringEnable, VringState(index, enable ? 1u : 0u));

    /// <summary>GET_VRING_BASE: stops the ring and returns the index the back-end reports.</summary>
    public uint GetVringBase(uint index)
    {
        FakeFrontendReply reply = Ask(FakeFrontendRequest.GetVringBase, VringState(index, 0));
        if (reply.Payload.Length != 8 || BinaryPrimitives.ReadUInt32LittleEndian(reply.Payload) != index)
        {
            throw new InvalidOperationException("GET_VRING_BASE reply for another ring or of the wrong size");
        }
        return BinaryPrimitives.ReadUInt32LittleEndian(reply.Payload.AsSpan(4));
    }

    /// <summary>SET_VRING_ADDR with the front-end addresses of the three ring areas.</summary>
    public void SetVringAddr(uint index, ulong desc, ulong used, ulong avail, uint flags = 0, ulong log = 0) =>
        Tell(FakeFrontendRequest.SetVringAddr, VringAddr(index, flags, desc, used, avail, log));

    /// <summary>SET_VRING_KICK with <paramref name="fd"/>, or with the "no fd" flag (polling) when it is negative.</summary>
    public void SetVringKick(uint index, int fd) => SendVringFd(FakeFrontendRequest.SetVringKick, index, fd);

    /// <summary>SET_VRING_CALL with <paramref name="fd"/>, or the "no fd" flag when negative.</summary>
    public void SetVringCall(uint index, int fd) => SendVringFd(FakeFrontendRequest.SetVringCall, index, fd);

    /// <summary>SET_VRING_ERR with <paramref name="fd"/>, or the "no fd" flag when negative.</summary>
    public void SetVringErr(uint index, int fd) => SendVringFd(FakeFrontendRequest.SetVringErr, index, fd);

    /// <summary>SEND_RARP with <paramref name="mac"/> in the first 6 bytes.</summary>
    public void SendRarp(ReadOnlySpan<byte> mac)
    {
        byte[] payload = new byte[8];
        mac[..6].CopyTo(payload);
        Tell(FakeFrontendRequest.SendRarp, payload);
    }

    /// <summary>NET_SET_MTU.</summary>
    public void NetSetMtu(ulong mtu) => Tell(FakeFrontendRequest.NetSetMtu, U64(mtu));

    /// <summary>SET_LOG_BASE with a log fd (LOG_SHMFD): size and offset, then reads the reply the spec requires.</summary>
    public FakeFrontendReply SetLogBase(int fd, ulong size, ulong offset)
    {
        byte[] payload = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(payload, size);
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(8), offset);
        Send(FakeFrontendRequest.SetLogBase, payload, [fd]);
        return ReadReply();
    }

    /// <summary>
    /// Sends a request with no reply of its own; with <see cref="UseReplyAck"/> it asks for an acknowledgement and
    /// requires 0.
    /// </summary>
    public void Tell(uint request, ReadOnlySpan<byte> payload, ReadOnlySpan<int> fds = default)
    {
        if (!UseReplyAck)
        {
            Send(request, payload, fds);
            return;
        }
        Send(request, payload, fds, Version1 | NeedReplyFlag);
        FakeFrontendReply ack = ReadReply();
        if (ack.Request != request || !ack.IsWellFormed || ack.U64 != 0)
        {
            throw new InvalidOperationException($"request {request} acknowledged as {ack.Request} with {ack.U64}");
        }
    }

    /// <summary>Sends a request that has a reply of its own and returns the checked reply.</summary>
    public FakeFrontendReply Ask(uint request, ReadOnlySpan<byte> payload = default)
    {
        Send(request, payload);
        FakeFrontendReply reply = ReadReply();
        if (reply.Request != request || !reply.IsWellFormed)
        {
            throw new InvalidOperationException($"request {request} answered as {reply.Request} with flags {reply.Flags:x}");
        }
        return reply;
    }

    /// <summary>A u64 payload.</summary>
    public static byte[] U64(ulong value)
    {
        byte[] bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return bytes;
    }

    /// <summary>A vring state payload (index, num).</summary>
    public static byte[] VringState(uint index, uint num)
    {
        byte[] bytes = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, index);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), num);
        return bytes;
    }

    /// <summary>A vring address payload: index, flags, descriptor, used, avail, log.</summary>
    public static byte[] VringAddr(uint index, uint flags, ulong desc, ulong used, ulong avail, ulong log)
    {
        byte[] bytes = new byte[40];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, index);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), flags);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), desc);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(16), used);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(24), avail);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(32), log);
        return bytes;
    }

    /// <summary>One memory region description (guest address, size, user address, mmap offset).</summary>
    public static void WriteRegion(Span<byte> to, ulong guestAddress, ulong size, ulong userAddress, ulong mmapOffset)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(to, guestAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(to[8..], size);
        BinaryPrimitives.WriteUInt64LittleEndian(to[16..], userAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(to[24..], mmapOffset);
    }

    private void SendVringFd(uint request, uint index, int fd)
    {
        ulong value = index | (fd < 0 ? 0x100UL : 0);
        Tell(request, U64(value), fd < 0 ? default : [fd]);
    }
}
