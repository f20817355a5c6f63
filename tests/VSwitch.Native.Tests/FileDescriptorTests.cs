using Xunit;

namespace VSwitch.Native.Tests;

public sealed class FileDescriptorTests
{
    [Fact]
    public void File_size_and_block_size_come_from_fstat()
    {
        string path = Path.Combine(Path.GetTempPath(), $"vswitch-native-{Environment.ProcessId}-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, new byte[12345]);
        try
        {
            using FileStream stream = File.OpenRead(path);
            int fd = (int)stream.SafeFileHandle.DangerousGetHandle();
            Assert.True(FileDescriptor.TryGetFileSize(fd, out long size, out long blockSize));
            Assert.Equal(12345, size);
            Assert.True(blockSize > 0 && (blockSize & (blockSize - 1)) == 0, $"block size {blockSize} is not a power of two");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_closed_fd_has_no_size()
    {
        Assert.False(FileDescriptor.TryGetFileSize(-1, out _, out _));
        Assert.Equal(Libc.EBADF, Libc.Errno);
    }

    [Fact]
    public void Readable_polls_without_waiting_and_consumes_nothing()
    {
        using var kick = new TestEventFd();
        Assert.False(FileDescriptor.IsReadable(kick.Fd));
        kick.Add(3);
        Assert.True(FileDescriptor.IsReadable(kick.Fd));
        Assert.True(FileDescriptor.IsReadable(kick.Fd));
    }
}
