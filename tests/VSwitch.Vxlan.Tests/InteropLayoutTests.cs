using System.Runtime.CompilerServices;
using VSwitch.Ports.Vxlan.Interop;
using Xunit;

namespace VSwitch.Vxlan.Tests;

/// <summary>The native structs have the sizes of the x86-64 Linux ABI.</summary>
public sealed class InteropLayoutTests
{
    [Fact]
    public void Socket_structs_match_the_kernel_abi()
    {
        Assert.Equal(16, Unsafe.SizeOf<Libc.SockAddrIn>());
        Assert.Equal(16, Unsafe.SizeOf<Libc.IoVec>());
        Assert.Equal(56, Unsafe.SizeOf<Libc.MsgHdr>());
        Assert.Equal(64, Unsafe.SizeOf<Libc.MMsgHdr>());
        Assert.Equal(16, Unsafe.SizeOf<Libc.CmsgHdr>());
        Assert.Equal(12, Unsafe.SizeOf<Libc.InPktInfo>());
        Assert.Equal(12, Unsafe.SizeOf<Libc.EpollEvent>());
        Assert.Equal(18, Libc.CmsgLen(sizeof(ushort)));
        Assert.Equal(24, Libc.CmsgSpace(sizeof(ushort)));
        Assert.Equal(32, Libc.CmsgSpace(12));
    }
}
