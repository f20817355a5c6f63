using Xunit;

namespace VSwitch.Native.Tests;

public sealed class EpollTests
{
    [Fact]
    public void A_watching_epoll_fd_is_readable_exactly_while_its_fd_is()
    {
        using var kick = new TestEventFd();
        int watch = Epoll.WatchReadable(kick.Fd);
        Assert.True(watch >= 0);
        try
        {
            Assert.False(FileDescriptor.IsReadable(watch));
            kick.Add(1);
            Assert.True(FileDescriptor.IsReadable(watch));
            Assert.True(FileDescriptor.IsReadable(kick.Fd));
        }
        finally
        {
            FileDescriptor.CloseIfValid(watch);
        }
    }

    [Fact]
    public void No_fd_gives_no_watcher()
    {
        Assert.Equal(-1, Epoll.WatchReadable(-1));
        Assert.False(FileDescriptor.IsReadable(-1));
    }
}
