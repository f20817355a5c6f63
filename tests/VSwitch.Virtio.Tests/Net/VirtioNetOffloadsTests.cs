using VSwitch.Core.Ports;
using VSwitch.Virtio.Net;
using Xunit;

namespace VSwitch.Virtio.Tests.Net;

/// <summary>The offload features: what is offered, the dependencies of VIRTIO 1.2 §5.1.3.1, and what each direction allows.</summary>
public sealed class VirtioNetOffloadsTests
{
    private const VirtioNetFeatures F0 = VirtioNetFeatures.Version1 | VirtioNetFeatures.MrgRxbuf;

    [Fact]
    public void The_offered_set_is_the_checksum_and_TCP_segmentation_features_and_is_consistent()
    {
        Assert.Equal(
            (1UL << 0) | (1UL << 1) | (1UL << 7) | (1UL << 8) | (1UL << 9) | (1UL << 11) | (1UL << 12) | (1UL << 13),
            (ulong)VirtioNetOffloads.Offered);
        Assert.Null(VirtioNetOffloads.CheckDependencies((ulong)(F0 | VirtioNetOffloads.Offered)));
        Assert.Null(VirtioNetOffloads.CheckDependencies((ulong)F0));
        // What a Linux 6.1 guest acked behind testpmd (tests/guests/README.md), UFO included.
        Assert.Null(VirtioNetOffloads.CheckDependencies(0x130afe7a7UL));
    }

    [Theory]
    [InlineData(VirtioNetFeatures.GuestTso4, "GUEST_CSUM")]
    [InlineData(VirtioNetFeatures.GuestTso6, "GUEST_CSUM")]
    [InlineData(VirtioNetFeatures.GuestUfo, "GUEST_CSUM")]
    [InlineData(VirtioNetFeatures.HostTso4, "CSUM")]
    [InlineData(VirtioNetFeatures.HostTso6 | VirtioNetFeatures.GuestCsum, "CSUM")]
    [InlineData(VirtioNetFeatures.HostUfo, "CSUM")]
    public void A_feature_without_the_one_it_requires_is_named(VirtioNetFeatures features, string requirement)
    {
        string? problem = VirtioNetOffloads.CheckDependencies((ulong)(F0 | features));
        Assert.NotNull(problem);
        Assert.Contains(requirement, problem, StringComparison.Ordinal);
        Assert.Contains("5.1.3.1", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ECN_without_segmentation_is_tolerated_and_means_nothing()
    {
        // What QEMU 7.2 offers and Linux acks with csum=off,guest_csum=off,guest_tso4=off,guest_tso6=off,host_tso4=off,host_tso6=off.
        ulong features = (ulong)(F0 | VirtioNetFeatures.GuestEcn | VirtioNetFeatures.HostEcn);
        Assert.Null(VirtioNetOffloads.CheckDependencies(features));
        Assert.Equal(PortOffloads.None, VirtioNetOffloads.FromDriver(features));
        Assert.Equal(PortOffloads.None, VirtioNetOffloads.ToDriver(features));
        Assert.Equal(PortOffloads.Csum, VirtioNetOffloads.ToDriver(features | (ulong)VirtioNetFeatures.GuestCsum));
    }

    [Fact]
    public void Each_direction_reads_its_own_features()
    {
        ulong hostOnly = (ulong)(VirtioNetFeatures.Csum | VirtioNetFeatures.HostTso4 | VirtioNetFeatures.HostTso6 | VirtioNetFeatures.HostEcn);
        ulong guestOnly = (ulong)(VirtioNetFeatures.GuestCsum | VirtioNetFeatures.GuestTso4 | VirtioNetFeatures.GuestEcn);
        const PortOffloads all = PortOffloads.Csum | PortOffloads.Tso4 | PortOffloads.Tso6 | PortOffloads.TsoEcn;

        Assert.Equal(all, VirtioNetOffloads.FromDriver(hostOnly));
        Assert.Equal(PortOffloads.None, VirtioNetOffloads.ToDriver(hostOnly));
        Assert.Equal(PortOffloads.Csum | PortOffloads.Tso4 | PortOffloads.TsoEcn, VirtioNetOffloads.ToDriver(guestOnly));
        Assert.Equal(PortOffloads.None, VirtioNetOffloads.FromDriver(guestOnly));
    }
}
