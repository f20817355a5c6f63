using VSwitch.TestKit.Guests;
using Xunit;

namespace VSwitch.Integration.Tests.Guests;

public sealed class GuestResultTests
{
    [Fact]
    public void ParsesFactAndValues()
    {
        Assert.True(GuestResult.TryParse("VSRESULT ping sent=5 received=4 size=56 min=0.7 avg=2.2 max=5.4\r", TimeSpan.FromSeconds(3), out var r));
        Assert.Equal("ping", r!.Fact);
        Assert.Equal(5, r.GetInt64("sent"));
        Assert.Equal(4, r.GetInt64("received"));
        Assert.Equal(2.2, r.GetDouble("avg"), 6);
        Assert.Equal(TimeSpan.FromSeconds(3), r.At);
        Assert.DoesNotContain('\r', r.Line);
    }

    [Fact]
    public void AFactWithoutValuesIsAResult()
    {
        Assert.True(GuestResult.TryParse("VSRESULT done", TimeSpan.Zero, out var r));
        Assert.Equal("done", r!.Fact);
        Assert.Empty(r.Values);
    }

    [Fact]
    public void ValuesMayHoldEqualsSignsAndBeEmpty()
    {
        Assert.True(GuestResult.TryParse("  VSRESULT x a=b=c d=", TimeSpan.Zero, out var r));
        Assert.Equal("b=c", r!["a"]);
        Assert.Equal("", r["d"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("VSRESULT")]
    [InlineData("VSRESULT features=0101")]
    [InlineData("VSRESULT ping sent")]
    [InlineData("VSRESULT ping =5")]
    [InlineData("[    2.884780] reboot: Power down")]
    [InlineData("xVSRESULT done")]
    [InlineData("vsresult done")]
    public void OtherLinesAreNotResults(string line)
    {
        Assert.False(GuestResult.TryParse(line, TimeSpan.Zero, out var r));
        Assert.Null(r);
    }

    [Fact]
    public void AMissingKeyNamesTheLine()
    {
        Assert.True(GuestResult.TryParse("VSRESULT recv ok=1", TimeSpan.Zero, out var r));
        var e = Assert.Throws<KeyNotFoundException>(() => r!["md5"]);
        Assert.Contains("VSRESULT recv ok=1", e.Message, StringComparison.Ordinal);
    }
}
