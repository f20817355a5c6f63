using VSwitch.Control.Rpc.Handlers;
using VSwitch.Control.Tests.Fakes;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;
using Xunit;

namespace VSwitch.Control.Tests.Handlers;

/// <summary>capture-start validates every parameter before the runtime sees it; a runtime without capture refuses.</summary>
public sealed class CaptureHandlerTests : IDisposable
{
    private readonly ControlFixture _f = new();
    private readonly CaptureHandlers _captures;

    public CaptureHandlerTests()
    {
        new PortHandlers(_f.Control).AddPort(new AddPortParams("vm1", "vhostuser", null));
        _captures = new CaptureHandlers(_f.Control);
    }

    public void Dispose() => _f.Dispose();

    [Theory]
    [InlineData(RpcErrorCodes.InvalidParams, "name at least one port", "", "both", "pcapng", 65535, 0, 0.0)]
    [InlineData(RpcErrorCodes.NotFound, "no port named 'vm9'", "vm9", "both", "pcapng", 65535, 0, 0.0)]
    [InlineData(RpcErrorCodes.InvalidParams, "a port is named twice", "vm1,vm1", "both", "pcapng", 65535, 0, 0.0)]
    [InlineData(RpcErrorCodes.InvalidParams, "direction must be rx, tx or both", "vm1", "in", "pcapng", 65535, 0, 0.0)]
    [InlineData(RpcErrorCodes.InvalidParams, "format must be pcapng or pcap", "vm1", "rx", "erf", 65535, 0, 0.0)]
    [InlineData(RpcErrorCodes.InvalidParams, "snaplen must be between 1 and 262144", "vm1", "rx", "pcap", 0, 0, 0.0)]
    [InlineData(RpcErrorCodes.InvalidParams, "snaplen must be between 1 and 262144", "vm1", "rx", "pcap", 262145, 0, 0.0)]
    [InlineData(RpcErrorCodes.InvalidParams, "count must not be negative", "vm1", "tx", "pcap", 100, -1, 0.0)]
    [InlineData(RpcErrorCodes.InvalidParams, "duration must be a non-negative", "vm1", "tx", "pcap", 100, 0, -1.0)]
    [InlineData(RpcErrorCodes.InvalidParams, "duration must be a non-negative", "vm1", "tx", "pcap", 100, 0, double.NaN)]
    public void Invalid_requests_are_refused_with_a_clear_message(int code, string message, string ports, string direction, string format,
        int snaplen, long count, double duration)
    {
        var p = new CaptureStartParams(ports.Length == 0 ? [] : ports.Split(','), direction, null, snaplen, format, count, duration, false);
        var e = Assert.Throws<ControlException>(() => _captures.CaptureStart(p));
        Assert.Equal(code, e.Code);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_request_reaches_the_runtime_which_may_not_support_capture()
    {
        var e = Assert.Throws<ControlException>(() =>
            _captures.CaptureStart(new CaptureStartParams(["vm1"], "both", "icmp", 262144, "pcapng", 10, 1.5, true)));
        Assert.Equal(RpcErrorCodes.Unavailable, e.Code);
        Assert.Empty(_captures.CaptureList().Captures);
        Assert.Equal(RpcErrorCodes.InvalidParams, Assert.Throws<ControlException>(() => _captures.CaptureStop(new CaptureIdParams(1))).Code);
    }
}
