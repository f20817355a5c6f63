using System.Buffers.Binary;
using VSwitch.TestKit.Virtio;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Queue;
using VSwitch.Virtio.Tests.Net;
using Xunit;

namespace VSwitch.Virtio.Tests.Queue;

public sealed class DescriptorRulesTests(ITestOutputHelper output)
{
    private const int VirtioNetHeaderSize = 12;

    [Fact]
    public void Single_descriptor_check_accepts_exactly_what_a_walk_yields_as_one_buffer()
    {
        int accepted = 0, rejected = 0;
        for (int seed = 0; seed < 300; seed++)
        {
            foreach (ChainDirection direction in Enum.GetValues<ChainDirection>())
            {
                var world = new RandomRingWorld(seed, deviceWrites: direction == ChainDirection.WritableOnly, VirtioNetHeaderSize);
                for (ushort head = 0; head < world.QueueSize; head++)
                {
                    Span<byte> raw = world.Fake.Span(world.Driver.DescTable.Value + ((ulong)head * Descriptor.Size), Descriptor.Size);
                    ulong address = BinaryPrimitives.ReadUInt64LittleEndian(raw);
                    uint length = BinaryPrimitives.ReadUInt32LittleEndian(raw[8..]);
                    ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(raw[12..]);

                    bool single = DescriptorRules.TryCheckSingle(world.Memory, address, length, flags, direction, out GuestWindow buffer);

                    var walker = new DescriptorChainWalker(world.Memory, world.Queue, head, direction);
                    ChainStatus first = walker.Next(out Descriptor walked, out GuestWindow walkedBuffer);
                    ChainStatus second = walker.Next(out _);
                    bool lone = (flags & (Descriptor.NextFlag | Descriptor.IndirectFlag)) == 0;
                    Assert.Equal(lone && first == ChainStatus.Ok && second == ChainStatus.End, single);
                    if (single)
                    {
                        Assert.Equal((address, length, flags), (walked.Address.Value, walked.Length, walked.Flags));
                        Assert.Equal((walkedBuffer.Start, walkedBuffer.Length, walkedBuffer.IsEmpty), (buffer.Start, buffer.Length, buffer.IsEmpty));
                        accepted++;
                    }
                    else
                    {
                        Assert.True(buffer.IsEmpty);
                        rejected += lone ? 1 : 0;
                    }
                }
            }
        }
        output.WriteLine($"accepted {accepted}, rejected single descriptors {rejected}");
        Assert.True(accepted > 5000 && rejected > 1000, $"accepted {accepted}, rejected single descriptors {rejected}");
    }

    [Fact]
    public void Rules_ignore_flag_bits_they_do_not_know()
    {
        // The packed ring's AVAIL (bit 7) and USED (bit 15) ride in the same flags word (VIRTIO 1.2 §2.8).
        var rig = new VirtqueueRig(queueSize: 4);
        ulong a = rig.Driver.Allocate(64);
        ushort flags = Descriptor.WriteFlag | 0x80 | 0x8000;

        Assert.True(DescriptorRules.TryCheckSingle(rig.Memory, a, 64, flags, ChainDirection.WritableOnly, out GuestWindow buffer));
        Assert.Equal(64UL, buffer.Length);
        Assert.False(DescriptorRules.TryCheckSingle(rig.Memory, a, 64, (ushort)(flags | Descriptor.NextFlag), ChainDirection.WritableOnly, out _));
        Assert.False(DescriptorRules.TryCheckSingle(rig.Memory, a, 64, flags, ChainDirection.ReadableOnly, out _));
    }
}
