using VSwitch.TestKit.Guests;
using Xunit;

namespace VSwitch.Integration.Tests.Guests;

public sealed class GuestFeaturesTests
{
    // As a Linux 6.1 guest printed it behind testpmd's vhost backend, with the hex its init computed from it.
    private const string Recorded = "1110010111100111111101010000110010000000000000000000000000000000";

    [Fact]
    public void Parses_sysfs_bits_lowest_first()
    {
        Assert.Equal(0x130afe7a7UL, GuestFeatures.Parse(Recorded));
        Assert.Equal(1UL, GuestFeatures.Parse("1"));
        Assert.Equal(1UL << 63, GuestFeatures.Parse(new string('0', 63) + "1"));
        Assert.Equal(0UL, GuestFeatures.Parse(""));
    }

    [Theory]
    [InlineData("0102")]
    [InlineData("1 1")]
    public void Rejects_other_characters(string bits) => Assert.Throws<FormatException>(() => GuestFeatures.Parse(bits));

    [Fact]
    public void Rejects_more_than_64_bits() => Assert.Throws<FormatException>(() => GuestFeatures.Parse(new string('1', 65)));

    [Fact]
    public void Names_set_bits()
    {
        ulong f = GuestFeatures.Parse(Recorded);
        Assert.True(GuestFeatures.Has(f, GuestFeatures.Version1));
        Assert.True(GuestFeatures.Has(f, GuestFeatures.MrgRxbuf));
        Assert.False(GuestFeatures.Has(f, GuestFeatures.Mq));
        string names = GuestFeatures.Describe(f);
        Assert.StartsWith("CSUM|GUEST_CSUM|CTRL_GUEST_OFFLOADS|MAC|", names, StringComparison.Ordinal);
        Assert.EndsWith("|EVENT_IDX|VERSION_1", names, StringComparison.Ordinal);
        Assert.Equal("bit40|SPEED_DUPLEX", GuestFeatures.Describe((1UL << 40) | (1UL << 63)));
    }
}
