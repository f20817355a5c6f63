using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

using Xunit;

namespace VSwitch.Native.Tests;

/// <summary>
/// The structs lent to the kernel must have its sizes and field offsets exactly (64-bit Linux; x86-64 where the
/// architectures differ): a wrong layout does not fail to compile, it corrupts the call.
/// </summary>
public sealed class LayoutTests
{
    [Fact]
    public void Iovec_is_a_pointer_and_a_length()
    {
        Assert.Equal(16, Unsafe.SizeOf<Libc.IoVec>());
        Assert.Equal(8, (int)Marshal.OffsetOf<Libc.IoVec>(nameof(Libc.IoVec.Length)));
    }

    [Fact]
    public void Msghdr_and_cmsghdr_have_the_kernels_layout()
    {
        Assert.Equal(56, Unsafe.SizeOf<Libc.MsgHdr>());
        Assert.Equal(8, (int)Marshal.OffsetOf<Libc.MsgHdr>(nameof(Libc.MsgHdr.NameLength)));
        Assert.Equal(16, (int)Marshal.OffsetOf<Libc.MsgHdr>(nameof(Libc.MsgHdr.Iov)));
        Assert.Equal(24, (int)Marshal.OffsetOf<Libc.MsgHdr>(nameof(Libc.MsgHdr.IovLength)));
        Assert.Equal(32, (int)Marshal.OffsetOf<Libc.MsgHdr>(nameof(Libc.MsgHdr.Control)));
        Assert.Equal(40, (int)Marshal.OffsetOf<Libc.MsgHdr>(nameof(Libc.MsgHdr.ControlLength)));
        Assert.Equal(48, (int)Marshal.OffsetOf<Libc.MsgHdr>(nameof(Libc.MsgHdr.Flags)));
        Assert.Equal(16, Unsafe.SizeOf<Libc.CmsgHdr>());
        Assert.Equal(12, (int)Marshal.OffsetOf<Libc.CmsgHdr>(nameof(Libc.CmsgHdr.Type)));
    }

    [Fact]
    public void Mmsghdr_is_a_msghdr_then_the_length_moved()
    {
        Assert.Equal(64, Unsafe.SizeOf<Libc.MMsgHdr>());
        Assert.Equal(56, (int)Marshal.OffsetOf<Libc.MMsgHdr>(nameof(Libc.MMsgHdr.Len)));
    }

    [Fact]
    public void Control_message_sizes_follow_cmsg_len_and_cmsg_space()
    {
        Assert.Equal(Libc.CmsgHeaderSize, Unsafe.SizeOf<Libc.CmsgHdr>());
        Assert.Equal(18, Libc.CmsgLen(sizeof(ushort)));
        Assert.Equal(24, Libc.CmsgSpace(sizeof(ushort)));
        Assert.Equal(32, Libc.CmsgSpace(12));
        Assert.Equal(12, Unsafe.SizeOf<Libc.InPktInfo>());
        Assert.Equal(8, (int)Marshal.OffsetOf<Libc.InPktInfo>(nameof(Libc.InPktInfo.AddrBe)));
    }

    [Fact]
    public void Sockaddr_in_is_16_bytes_with_port_and_address_in_front()
    {
        Assert.Equal(16, Unsafe.SizeOf<Libc.SockaddrIn>());
        Assert.Equal(2, (int)Marshal.OffsetOf<Libc.SockaddrIn>(nameof(Libc.SockaddrIn.PortBe)));
        Assert.Equal(4, (int)Marshal.OffsetOf<Libc.SockaddrIn>(nameof(Libc.SockaddrIn.AddrBe)));
    }

    [Fact]
    public void Sockaddr_un_holds_a_108_byte_path()
    {
        Assert.Equal(110, Unsafe.SizeOf<Libc.SockaddrUn>());
    }

    [Fact]
    public void Pollfd_is_eight_bytes()
    {
        Assert.Equal(8, Unsafe.SizeOf<Libc.PollFd>());
        Assert.Equal(6, (int)Marshal.OffsetOf<Libc.PollFd>(nameof(Libc.PollFd.Revents)));
    }

    [Fact]
    public void Epoll_event_is_packed_on_x86_64()
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "struct epoll_event is packed only on x86-64");
        Assert.Equal(12, Unsafe.SizeOf<Libc.EpollEvent>());
        Assert.Equal(4, (int)Marshal.OffsetOf<Libc.EpollEvent>(nameof(Libc.EpollEvent.Data)));
    }

    [Fact]
    public void Ifreq_is_a_name_then_a_24_byte_union()
    {
        Assert.Equal(40, Unsafe.SizeOf<Libc.IfReq>());
        Assert.Equal(Libc.IfNameSize, (int)Marshal.OffsetOf<Libc.IfReq>(nameof(Libc.IfReq.Value)));
    }
}
