using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Native.Tests;

public sealed class InterfaceSocketTests
{
    [Fact]
    public void Loopback_is_up_with_an_index_and_an_mtu()
    {
        using InterfaceSocket socket = InterfaceSocket.TryOpen(out int errno) ?? throw new InvalidOperationException($"errno {errno}");
        Assert.Equal(0, socket.GetFlags("lo", out short flags));
        Assert.NotEqual(0, flags & Libc.IFF_UP);
        Assert.Equal(0, socket.GetIndex("lo", out int index));
        Assert.True(index > 0);
        Assert.Equal(0, socket.GetMtu("lo", out int mtu));
        Assert.True(mtu >= 1500);
        // Already up: nothing to change, so this needs no privilege.
        Assert.Equal(0, socket.BringUp("lo"));
    }

    [Fact]
    public void An_absent_interface_is_enodev_and_a_long_name_is_refused_rather_than_truncated()
    {
        using InterfaceSocket socket = InterfaceSocket.TryOpen(out _)!;
        Assert.Equal(Libc.ENODEV, socket.GetFlags("vsnosuch" + (Environment.ProcessId % 10000), out _));
        // "lo" followed by 14 more bytes would reach the kernel as its first 15: refused here instead.
        Assert.Equal(Libc.EINVAL, socket.GetIndex("lo" + new string('x', 14), out _));
        Assert.Equal(Libc.EINVAL, socket.GetIndex("", out _));
    }

    [Fact]
    public void A_socket_opened_in_a_namespace_addresses_that_namespaces_interfaces()
    {
        Prerequisite.Require(Prerequisite.IsRoot, "setns(CLONE_NEWNET) needs CAP_SYS_ADMIN");
        int ns = Libc.open("/proc/self/ns/net", Libc.O_RDONLY | Libc.O_CLOEXEC);
        Assert.True(ns >= 0);
        try
        {
            using InterfaceSocket socket = InterfaceSocket.TryOpenIn(ns, out int errno) ?? throw new InvalidOperationException($"errno {errno}");
            Assert.Equal(0, socket.GetIndex("lo", out int index));
            Assert.True(index > 0);
        }
        finally
        {
            FileDescriptor.CloseIfValid(ns);
        }
    }

    [Fact]
    public void Entering_what_is_not_a_namespace_fails_with_errno()
    {
        Assert.Null(InterfaceSocket.TryOpenIn(-1, out int errno));
        Assert.Equal(Libc.EBADF, errno);
    }
}
