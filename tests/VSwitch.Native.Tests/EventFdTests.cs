using Xunit;

namespace VSwitch.Native.Tests;

public sealed class EventFdTests
{
    [Fact]
    public void A_signal_is_drained_once_and_draining_an_empty_blocking_eventfd_returns_at_once()
    {
        using var kick = new TestEventFd();
        Assert.True(EventFd.Signal(kick.Fd));
        kick.Add(2);
        Assert.True(EventFd.TryDrain(kick.Fd));
        Assert.False(FileDescriptor.IsReadable(kick.Fd));
        // The eventfd is blocking: a plain read here would hang the test.
        Assert.False(EventFd.TryDrain(kick.Fd));
        Assert.False(EventFd.TryDrain(-1));
    }

    [Fact]
    public void Signalling_a_closed_fd_fails()
    {
        Assert.False(EventFd.Signal(-1));
    }
}
