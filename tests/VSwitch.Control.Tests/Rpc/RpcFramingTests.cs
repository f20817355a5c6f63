using System.Buffers.Binary;
using VSwitch.Rpc;
using Xunit;

namespace VSwitch.Control.Tests.Rpc;

public sealed class RpcFramingTests
{
    [Fact]
    public async Task A_frame_reads_back_as_written()
    {
        var stream = new MemoryStream();
        await RpcFraming.WriteFrameAsync(stream, "{\"a\":1}"u8.ToArray(), TestContext.Current.CancellationToken);
        await RpcFraming.WriteFrameAsync(stream, "[]"u8.ToArray(), TestContext.Current.CancellationToken);
        stream.Position = 0;
        Assert.Equal("{\"a\":1}"u8.ToArray(), await RpcFraming.ReadFrameAsync(stream, 100, TestContext.Current.CancellationToken));
        Assert.Equal("[]"u8.ToArray(), await RpcFraming.ReadFrameAsync(stream, 100, TestContext.Current.CancellationToken));
        Assert.Null(await RpcFraming.ReadFrameAsync(stream, 100, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task An_oversize_length_is_refused_before_its_body_is_read()
    {
        var stream = new TrackingStream(Prefix(2_000_000));
        var e = await Assert.ThrowsAsync<RpcFrameException>(() =>
            RpcFraming.ReadFrameAsync(stream, RpcFraming.MaxRequestLength, TestContext.Current.CancellationToken).AsTask());
        Assert.Equal(RpcFrameError.TooLarge, e.Error);
        Assert.Equal(RpcFraming.PrefixLength, stream.BytesRead);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public async Task A_length_that_is_not_positive_is_refused(int length)
    {
        var e = await Assert.ThrowsAsync<RpcFrameException>(() =>
            RpcFraming.ReadFrameAsync(new MemoryStream(Prefix(length)), 100, TestContext.Current.CancellationToken).AsTask());
        Assert.Equal(RpcFrameError.BadLength, e.Error);
    }

    [Fact]
    public async Task A_stream_that_ends_inside_a_frame_is_reported_truncated()
    {
        byte[] data = [.. Prefix(10), 1, 2, 3];
        var e = await Assert.ThrowsAsync<RpcFrameException>(() =>
            RpcFraming.ReadFrameAsync(new MemoryStream(data), 100, TestContext.Current.CancellationToken).AsTask());
        Assert.Equal(RpcFrameError.Truncated, e.Error);
        e = await Assert.ThrowsAsync<RpcFrameException>(() =>
            RpcFraming.ReadFrameAsync(new MemoryStream([0, 0]), 100, TestContext.Current.CancellationToken).AsTask());
        Assert.Equal(RpcFrameError.Truncated, e.Error);
    }

    private static byte[] Prefix(int length)
    {
        byte[] p = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(p, length);
        return p;
    }

    private sealed class TrackingStream(byte[] data) : MemoryStream(data)
    {
        public int BytesRead { get; private set; }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n = Read(buffer.Span);
            BytesRead += n;
            return ValueTask.FromResult(n);
        }
    }
}
