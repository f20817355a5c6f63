using VSwitch.Virtio.Net;
using VSwitch.Virtio.Queue;
using Xunit;

namespace VSwitch.Virtio.Tests.Net;

public sealed class VirtioNetHeaderTests
{
    [Theory]
    [InlineData(0UL, 10)]
    [InlineData((ulong)VirtioNetFeatures.Version1, 12)]
    [InlineData((ulong)VirtioNetFeatures.MrgRxbuf, 12)]
    [InlineData((ulong)(VirtioNetFeatures.Version1 | VirtioNetFeatures.MrgRxbuf | VirtioNetFeatures.EventIdx), 12)]
    [InlineData((ulong)(VirtioNetFeatures.Csum | VirtioNetFeatures.IndirectDesc), 10)]
    public void Header_size_follows_version_1_and_mergeable_buffers(ulong features, int expected)
    {
        Assert.Equal(expected, VirtioNetHeader.SizeFor(features));
    }

    [Fact]
    public void Feature_bits_have_the_spec_values()
    {
        Assert.Equal(1UL << 0, (ulong)VirtioNetFeatures.Csum);
        Assert.Equal(1UL << 3, (ulong)VirtioNetFeatures.Mtu);
        Assert.Equal(1UL << 5, (ulong)VirtioNetFeatures.Mac);
        Assert.Equal(1UL << 15, (ulong)VirtioNetFeatures.MrgRxbuf);
        Assert.Equal(1UL << 17, (ulong)VirtioNetFeatures.CtrlVq);
        Assert.Equal(1UL << 22, (ulong)VirtioNetFeatures.Mq);
        Assert.Equal(1UL << 26, (ulong)VirtioNetFeatures.LogAll);
        Assert.Equal(1UL << 28, (ulong)VirtioNetFeatures.IndirectDesc);
        Assert.Equal(1UL << 29, (ulong)VirtioNetFeatures.EventIdx);
        Assert.Equal(1UL << 30, (ulong)VirtioNetFeatures.ProtocolFeatures);
        Assert.Equal(1UL << 32, (ulong)VirtioNetFeatures.Version1);
        Assert.Equal(1UL << 34, (ulong)VirtioNetFeatures.RingPacked);
        Assert.Equal(1UL << 35, (ulong)VirtioNetFeatures.InOrder);
    }

    [Fact]
    public void A_linux_guest_feature_set_decodes_to_the_expected_flags()
    {
        // SET_FEATURES as sent by QEMU 7.2 for a Linux guest.
        var f = (VirtioNetFeatures)0x17020a782UL;
        Assert.True(f.HasFlag(VirtioNetFeatures.Version1));
        Assert.True(f.HasFlag(VirtioNetFeatures.MrgRxbuf));
        Assert.True(f.HasFlag(VirtioNetFeatures.EventIdx));
        Assert.True(f.HasFlag(VirtioNetFeatures.IndirectDesc));
        Assert.True(f.HasFlag(VirtioNetFeatures.ProtocolFeatures));
        Assert.False(f.HasFlag(VirtioNetFeatures.RingPacked));
    }

    [Fact]
    public void Descriptor_constants_match_the_spec()
    {
        Assert.Equal(16, Descriptor.Size);
        Assert.Equal(1, Descriptor.NextFlag);
        Assert.Equal(2, Descriptor.WriteFlag);
        Assert.Equal(4, Descriptor.IndirectFlag);
        Assert.Equal(12, VirtioNetHeader.Size);
        Assert.Equal(10, VirtioNetHeader.NumBuffersOffset);
    }
}
