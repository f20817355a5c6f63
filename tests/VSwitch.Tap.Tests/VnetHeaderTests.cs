using VSwitch.Ports.Tap;

using Xunit;

namespace VSwitch.Tap.Tests;

/// <summary>Which received virtio-net headers are accepted: with no offloads enabled only "nothing to do" (or "checksum already valid").</summary>
public sealed class VnetHeaderTests
{
    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, true)]
    [InlineData(new byte[] { 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, true)]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 34, 0, 16, 0, 0, 0 }, false)]
    [InlineData(new byte[] { 0, 1, 54, 0, 0xb4, 0x05, 0, 0, 0, 0, 0, 0 }, false)]
    [InlineData(new byte[] { 0, 4, 54, 0, 0xb4, 0x05, 0, 0, 0, 0, 0, 0 }, false)]
    [InlineData(new byte[] { 0, 0, 0, 0, 0xb4, 0x05, 0, 0, 0, 0, 0, 0 }, false)]
    [InlineData(new byte[] { 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, false)]
    public unsafe void Only_headers_without_checksum_or_gso_requests_are_accepted(byte[] header, bool accepted)
    {
        byte[] bytes = header;
        fixed (byte* h = bytes)
        {
            Assert.Equal(accepted, TapPort.HeaderAcceptable(h));
        }
    }
}
