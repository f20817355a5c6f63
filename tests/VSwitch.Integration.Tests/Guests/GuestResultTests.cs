using VSwitch.TestKit.Guests;
using Xunit;

namespace VSwitch.Integration.Tests.Guests;

public sealed class GuestResultTests
{
    [Fact]
    public void Parses_fact_and_values()
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
    public void A_fact_without_values_is_a_result()
    {
        Assert.True(GuestResult.TryParse("VSRESULT done", TimeSpan.Zero, out var r));
        Assert.Equal("done", r!.Fact);
        Assert.Empty(r.Values);
    }

    [Fact]
    public void Values_may_hold_equals_signs_and_be_empty()
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
    public void Other_lines_are_not_results(string line)
    {
        Assert.False(GuestResult.TryParse(line, TimeSpan.Zero, out var r));
        Assert.Null(r);
    }

    [Fact]
    public void A_missing_key_names_the_line()
    {
        Assert.True(GuestResult.TryParse("VSRESULT recv ok=1", TimeSpan.Zero, out var r));
        var e = Assert.Throws<KeyNotFoundException>(() => r!["md5"]);
        Assert.Contains("VSRESULT recv ok=1", e.Message, StringComparison.Ordinal);
    }
}
