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

    [Fact]
    public void A_set_wakes_its_waiter_while_a_member_is_readable_and_not_after_the_member_left()
    {
        using var kick = new TestEventFd();
        int set = Epoll.Create();
        Assert.True(set >= 0);
        try
        {
            Assert.True(Epoll.TryAddReadable(set, kick.Fd));
            Assert.False(Epoll.TryAddReadable(set, kick.Fd), "a fd is in a set once");
            Assert.Equal(0, Epoll.Wait(set, 0));
            kick.Add(1);
            Assert.Equal(1, Epoll.Wait(set, 5_000));
            // Level-triggered, and waiting reads nothing: still ready.
            Assert.Equal(1, Epoll.Wait(set, 0));
            Assert.True(Epoll.Remove(set, kick.Fd));
            Assert.Equal(0, Epoll.Wait(set, 0));
            Assert.False(Epoll.Remove(set, kick.Fd), "not in the set any more");
        }
        finally
        {
            FileDescriptor.CloseIfValid(set);
        }
    }

    [Fact]
    public void A_member_closed_while_another_fd_keeps_its_file_open_stays_registered_and_only_a_new_set_forgets_it()
    {
        // What a front-end does with SET_VRING_KICK: the switch closes its number for the old kick fd, the front-end
        // keeps its own copy (here: the dup) and may still write to it.
        var kick = new TestEventFd();
        int frontEndCopy = TestEventFd.Dup(kick.Fd);
        int set = Epoll.Create();
        try
        {
            Assert.True(Epoll.TryAddReadable(set, kick.Fd));
            int closedNumber = kick.Fd;
            kick.Dispose();
            TestEventFd.Write(frontEndCopy, 1);
            Assert.Equal(1, Epoll.Wait(set, 0));
            Assert.False(Epoll.Remove(set, closedNumber), "the number is closed: nothing to remove it by");
            Assert.Equal(1, Epoll.Wait(set, 0));
            FileDescriptor.CloseIfValid(set);
            set = Epoll.Create();
            Assert.Equal(0, Epoll.Wait(set, 0));
        }
        finally
        {
            FileDescriptor.CloseIfValid(set);
            FileDescriptor.CloseIfValid(frontEndCopy);
        }
    }
}
