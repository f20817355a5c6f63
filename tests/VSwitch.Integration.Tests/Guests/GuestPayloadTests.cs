using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using VSwitch.TestKit;
using VSwitch.TestKit.Guests;
using Xunit;

namespace VSwitch.Integration.Tests.Guests;

public sealed class GuestPayloadTests
{
    [Fact]
    public void Chunks_start_with_their_number_and_then_the_fixed_lines()
    {
        byte[] p = GuestPayload.Create(GuestPayload.ChunkSize + 27);
        Assert.Equal("00000000\n10000000\n10000001\n", Encoding.ASCII.GetString(p, 0, 27));
        Assert.Equal("10116507\n", Encoding.ASCII.GetString(p, GuestPayload.ChunkSize - 9, 9));
        Assert.Equal("00000001\n10000000\n10000001\n", Encoding.ASCII.GetString(p, GuestPayload.ChunkSize, 27));
        Assert.Equal(1048581, GuestPayload.ChunkSize);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(9)]
    [InlineData(1048581)]
    [InlineData(3000001)]
    public void MD5_matches_the_bytes(int bytes)
    {
        byte[] p = GuestPayload.Create(bytes);
        Assert.Equal(bytes, p.Length);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(p)), GuestPayload.Md5(bytes));
    }

    [Fact]
    public void Chunks_differ_so_lost_or_repeated_chunks_change_the_MD5()
    {
        byte[] p = GuestPayload.Create(3 * GuestPayload.ChunkSize);
        byte[] swapped = [.. p.AsSpan(GuestPayload.ChunkSize, GuestPayload.ChunkSize), .. p.AsSpan(0, GuestPayload.ChunkSize), .. p.AsSpan(2 * GuestPayload.ChunkSize)];
        Assert.NotEqual(Convert.ToHexStringLower(MD5.HashData(swapped)), GuestPayload.Md5(p.Length));
    }

    // The guest generates the payload with tests/guests/payload.sh under busybox sh; run the same file on the host.
    [Theory]
    [InlineData(4_194_304)]
    [InlineData(1_048_590)]
    [InlineData(100)]
    public void The_guest_shell_generator_produces_the_same_bytes(int bytes)
    {
        string? busybox = Prerequisite.FindOnPath("busybox");
        Prerequisite.Require(busybox is not null, "busybox not installed (tests/guests/build.sh installs busybox-static)");
        var tmp = Directory.CreateTempSubdirectory("vsg-payload-");
        try
        {
            string script = Path.Combine(GuestKit.RepositoryRoot, "tests", "guests", "payload.sh");
            var psi = new ProcessStartInfo(busybox!) { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (string a in new[] { "sh", "-c", ". \"$0\"; payload", script })
            {
                psi.ArgumentList.Add(a);
            }
            psi.Environment["VS_TMP"] = tmp.FullName;
            psi.Environment["bytes"] = bytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
            using var process = Process.Start(psi)!;
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            byte[] buffer = new byte[65536];
            long total = 0;
            int n;
            while ((n = process.StandardOutput.BaseStream.Read(buffer)) > 0)
            {
                md5.AppendData(buffer, 0, n);
                total += n;
            }
            Assert.True(process.WaitForExit(30_000));
            Assert.Equal(bytes, total);
            Assert.Equal(GuestPayload.Md5(bytes), Convert.ToHexStringLower(md5.GetHashAndReset()));
        }
        finally
        {
            tmp.Delete(recursive: true);
        }
    }
}
