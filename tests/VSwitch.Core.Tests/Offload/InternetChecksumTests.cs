using System.Buffers.Binary;
using VSwitch.Core.Offload;
using VSwitch.TestKit.Offload;
using Xunit;

namespace VSwitch.Core.Tests.Offload;

/// <summary>The fast checksum sum against the word-at-a-time reference, at every length and alignment.</summary>
public sealed class InternetChecksumTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public unsafe void Matches_the_reference_sum_for_every_length_and_start(int seed)
    {
        var rng = new Random(seed);
        byte[] data = new byte[4096];
        for (int round = 0; round < 500; round++)
        {
            rng.NextBytes(data);
            if (round % 50 == 0)
            {
                data.AsSpan().Fill(0xff); // carries everywhere
            }
            int start = rng.Next(64);
            int length = rng.Next(data.Length - start);
            fixed (byte* p = data)
            {
                ushort fast = InternetChecksum.Fold(InternetChecksum.Add(p + start, length, 0));
                ushort inNetworkOrder = BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(fast) : fast;
                Assert.Equal(L4Frames.Fold(L4Frames.Sum(data.AsSpan(start, length))), inNetworkOrder);
            }
        }
    }

    [Fact]
    public void Finish_sends_a_zero_checksum_as_all_ones()
    {
        Assert.Equal(0xffff, InternetChecksum.Finish(0xffff));
        Assert.Equal(0xffff, InternetChecksum.Finish(0xffff_ffff_0000UL));
        Assert.Equal(0xfffe, InternetChecksum.Finish(1));
    }
}
