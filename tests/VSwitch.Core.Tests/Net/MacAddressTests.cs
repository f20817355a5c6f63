using VSwitch.Core.Net;
using Xunit;

namespace VSwitch.Core.Tests.Net;

public class MacAddressTests
{
    [Theory]
    [InlineData("00:11:22:33:44:55", 0x001122334455UL, false)]
    [InlineData("ff:ff:ff:ff:ff:ff", 0xffffffffffffUL, true)]
    [InlineData("01:00:5e:00:00:01", 0x01005e000001UL, true)]
    public void Parses_formats_and_classifies(string text, ulong value, bool multicast)
    {
        var mac = MacAddress.Parse(text);
        Assert.Equal(value, mac.Value);
        Assert.Equal(text, mac.ToString());
        Assert.Equal(multicast, mac.IsMulticast);
        Span<byte> bytes = stackalloc byte[6];
        mac.Write(bytes);
        Assert.Equal(mac, MacAddress.Read(bytes));
    }

    [Theory]
    [InlineData("")]
    [InlineData("00:11:22:33:44")]
    [InlineData("00:11:22:33:44:5g")]
    [InlineData("00;11:22:33:44:55")]
    public void Rejects_malformed(string text) => Assert.False(MacAddress.TryParse(text, out _));
}
