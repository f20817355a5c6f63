using System.Runtime.InteropServices;
using Xunit;

namespace VSwitch.Native.Tests;

/// <summary>
/// An eventfd made here, as the vhost-user front-end makes the kick and call fds (the switch never creates one), with
/// its counter readable directly. Blocking, like the eventfds QEMU passes. Dispose closes it.
/// </summary>
internal sealed partial class TestEventFd : IDisposable
{
    public TestEventFd()
    {
        Fd = eventfd(0, 0x80000 /* EFD_CLOEXEC */);
        Assert.True(Fd >= 0, $"eventfd failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public int Fd { get; }

    /// <summary>Adds <paramref name="value"/> to the counter (what a guest kick does).</summary>
    public unsafe void Add(ulong value) => Assert.Equal(8, (int)write(Fd, &value, 8));

    public void Dispose() => _ = close(Fd);

    /// <summary>A second fd for the same eventfd (what the front-end keeps when it hands one over).</summary>
    public static int Dup(int fd)
    {
        int copy = dup(fd);
        Assert.True(copy >= 0, $"dup failed: errno {Marshal.GetLastPInvokeError()}");
        return copy;
    }

    /// <summary>Adds <paramref name="value"/> to the counter of any eventfd.</summary>
    public static unsafe void Write(int fd, ulong value) => Assert.Equal(8, (int)write(fd, &value, 8));

    [LibraryImport("libc", SetLastError = true)]
    private static partial int dup(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int eventfd(uint initval, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint write(int fd, void* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}
