using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VSwitch.VhostUser.Protocol;
using VSwitch.VhostUser.Protocol.Messages;

namespace VSwitch.VhostUser.Tests.Protocol;

/// <summary>Wire structs mirror the specification byte for byte (QEMU's VhostUserMsg payloads), and their syntax checks hold.</summary>
public sealed class MessageLayoutTests
{
    [Fact]
    public void Every_struct_has_its_specified_size()
    {
        Assert.Equal(12, MessageHeader.Size);
        Assert.Equal(MessageHeader.Size, Unsafe.SizeOf<MessageHeader>());
        Assert.Equal(8, VringState.Size);
        Assert.Equal(VringState.Size, Unsafe.SizeOf<VringState>());
        Assert.Equal(40, VringAddr.Size);
        Assert.Equal(VringAddr.Size, Unsafe.SizeOf<VringAddr>());
        Assert.Equal(32, MemoryRegion.Size);
        Assert.Equal(MemoryRegion.Size, Unsafe.SizeOf<MemoryRegion>());
        Assert.Equal(8, MemoryTableHeader.Size);
        Assert.Equal(MemoryTableHeader.Size, Unsafe.SizeOf<MemoryTableHeader>());
        Assert.Equal(40, SingleMemoryRegion.Size);
        Assert.Equal(SingleMemoryRegion.Size, Unsafe.SizeOf<SingleMemoryRegion>());
        Assert.Equal(16, LogPayload.Size);
        Assert.Equal(LogPayload.Size, Unsafe.SizeOf<LogPayload>());
    }

    [Fact]
    public void VringAddr_fields_sit_where_the_spec_puts_them()
    {
        byte[] bytes = new byte[VringAddr.Size];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)i;
        }
        var addr = MemoryMarshal.Read<VringAddr>(bytes);
        Assert.Equal(BitConverter.ToUInt32(bytes, 0), addr.Index);
        Assert.Equal(BitConverter.ToUInt32(bytes, 4), addr.Flags);
        Assert.Equal(BitConverter.ToUInt64(bytes, 8), addr.DescUserAddr);
        Assert.Equal(BitConverter.ToUInt64(bytes, 16), addr.UsedUserAddr);
        Assert.Equal(BitConverter.ToUInt64(bytes, 24), addr.AvailUserAddr);
        Assert.Equal(BitConverter.ToUInt64(bytes, 32), addr.LogGuestAddr);
    }

    [Fact]
    public void Single_region_skips_eight_bytes_of_padding()
    {
        byte[] bytes = new byte[SingleMemoryRegion.Size];
        BitConverter.TryWriteBytes(bytes.AsSpan(8), 0x1000UL);
        BitConverter.TryWriteBytes(bytes.AsSpan(16), 0x2000UL);
        var region = MemoryMarshal.Read<SingleMemoryRegion>(bytes).Region;
        Assert.Equal(0x1000UL, region.GuestPhysAddr);
        Assert.Equal(0x2000UL, region.MemorySize);
    }

    [Theory]
    [InlineData(0x1u, true)]
    [InlineData(0x5u, true)]
    [InlineData(0x9u, true)]
    [InlineData(0x0u, false)]
    [InlineData(0x2u, false)]
    [InlineData(0x11u, false)]
    [InlineData(0x8000_0001u, false)]
    public void Header_needs_version_one_and_known_flags(uint flags, bool valid) =>
        Assert.Equal(valid, new MessageHeader(1, flags, 0).IsValid());

    [Theory]
    [InlineData(0x1000UL, 0x1000UL, 0x7f00_0000_0000UL, 0UL, true)]
    [InlineData(0x1000UL, 0UL, 0x7f00_0000_0000UL, 0UL, false)]
    [InlineData(ulong.MaxValue - 10, 0x1000UL, 0x7f00_0000_0000UL, 0UL, false)]
    [InlineData(0x1000UL, 0x1000UL, ulong.MaxValue - 10, 0UL, false)]
    [InlineData(0x1000UL, 0x1000UL, 0x7f00_0000_0000UL, ulong.MaxValue - 10, false)]
    public void Region_must_be_non_empty_and_not_wrap(ulong gpa, ulong size, ulong user, ulong offset, bool valid) =>
        Assert.Equal(valid, new MemoryRegion(gpa, size, user, offset).IsValid());

    [Theory]
    [InlineData(1u, 40, true)]
    [InlineData(8u, 264, true)]
    [InlineData(0u, 8, false)]
    [InlineData(9u, 296, false)]
    [InlineData(2u, 40, false)]
    public void Memory_table_count_must_match_its_payload(uint count, int payload, bool valid) =>
        Assert.Equal(valid, new MemoryTableHeader(count, 0).IsValid(payload));

    [Theory]
    [InlineData(0u, true)]
    [InlineData(1u, true)]
    [InlineData(2u, false)]
    public void VringAddr_accepts_only_the_log_flag(uint flags, bool valid) =>
        Assert.Equal(valid, new VringAddr(0, flags, 0x1000, 0x2000, 0x3000, 0).IsValid());

    [Fact]
    public void VringAddr_rejects_null_rings() => Assert.False(new VringAddr(0, 0, 0, 0x2000, 0x3000, 0).IsValid());

    [Theory]
    [InlineData(0x05UL, 5u, false, true)]
    [InlineData(0x105UL, 5u, true, true)]
    [InlineData(0x205UL, 5u, false, false)]
    [InlineData(0x1_0000_0000UL, 0u, false, false)]
    public void Vring_fd_payload_splits_index_and_no_fd_flag(ulong value, uint index, bool noFd, bool valid)
    {
        var payload = new VringFdPayload(value);
        Assert.Equal(index, payload.Index);
        Assert.Equal(noFd, payload.NoFd);
        Assert.Equal(valid, payload.IsValid());
    }

    [Theory]
    [InlineData(0UL, 0UL, false)]
    [InlineData(4096UL, 0UL, true)]
    [InlineData(4096UL, ulong.MaxValue - 100, false)]
    [InlineData((1UL << 40) + 1, 0UL, false)]
    public void Log_payload_must_be_non_empty_bounded_and_not_wrap(ulong size, ulong offset, bool valid) =>
        Assert.Equal(valid, new LogPayload(size, offset).IsValid());

    [Fact]
    public void Request_numbers_follow_the_spec()
    {
        Assert.Equal(1u, (uint)FrontendRequest.GetFeatures);
        Assert.Equal(5u, (uint)FrontendRequest.SetMemTable);
        Assert.Equal(11u, (uint)FrontendRequest.GetVringBase);
        Assert.Equal(18u, (uint)FrontendRequest.SetVringEnable);
        Assert.Equal(21u, (uint)FrontendRequest.SetBackendReqFd);
        Assert.Equal(36u, (uint)FrontendRequest.GetMaxMemSlots);
        Assert.Equal(40u, (uint)FrontendRequest.GetStatus);
        Assert.Equal(1UL << 3, (ulong)ProtocolFeatures.ReplyAck);
        Assert.Equal(1UL << 15, (ulong)ProtocolFeatures.ConfigureMemSlots);
        Assert.Equal(1UL << 16, (ulong)ProtocolFeatures.Status);
    }

    [Theory]
    [InlineData(FrontendRequest.GetFeatures, 0, 0, true)]
    [InlineData(FrontendRequest.GetFeatures, 8, 0, false)]
    [InlineData(FrontendRequest.SetFeatures, 8, 0, true)]
    [InlineData(FrontendRequest.SetFeatures, 8, 1, false)]
    [InlineData(FrontendRequest.SetMemTable, 40, 1, true)]
    [InlineData(FrontendRequest.SetMemTable, 264, 8, true)]
    [InlineData(FrontendRequest.SetMemTable, 296, 9, false)]
    [InlineData(FrontendRequest.SetMemTable, 40, 0, false)]
    [InlineData(FrontendRequest.SetVringKick, 8, 0, true)]
    [InlineData(FrontendRequest.SetVringKick, 8, 2, false)]
    [InlineData(FrontendRequest.SetVringAddr, 39, 0, false)]
    [InlineData(FrontendRequest.SetLogBase, 16, 1, true)]
    [InlineData(FrontendRequest.SetLogBase, 16, 0, false)]
    [InlineData(FrontendRequest.AddMemReg, 40, 0, false)]
    [InlineData(FrontendRequest.RemMemReg, 40, 1, true)]
    public void Rules_bound_payload_and_fds(FrontendRequest request, int size, int fds, bool fits)
    {
        RequestRule rule = RequestRule.For(request);
        Assert.True(rule.Supported);
        Assert.Equal(fits, rule.SizeFits(size) && rule.FdsFit(fds));
    }

    [Theory]
    [InlineData(FrontendRequest.IotlbMsg)]
    [InlineData(FrontendRequest.GetConfig)]
    [InlineData(FrontendRequest.PostcopyAdvise)]
    [InlineData((FrontendRequest)999)]
    public void Requests_without_a_handler_are_unsupported(FrontendRequest request) => Assert.False(RequestRule.For(request).Supported);
}
