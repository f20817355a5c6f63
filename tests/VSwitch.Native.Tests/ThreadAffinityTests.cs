using Xunit;

namespace VSwitch.Native.Tests;

public sealed class ThreadAffinityTests
{
    [Fact]
    public void Pinning_changes_only_the_calling_thread()
    {
        string? pinned = null;
        bool ok = false;
        var thread = new Thread(() =>
        {
            ok = ThreadAffinity.TryPinCurrentThread([0], out _);
            pinned = AllowedCpus("/proc/thread-self/status");
        });
        thread.Start();
        thread.Join();
        Assert.True(ok);
        Assert.Equal("0", pinned);
        if (Environment.ProcessorCount > 1)
        {
            Assert.NotEqual("0", AllowedCpus("/proc/thread-self/status"));
        }
    }

    [Fact]
    public void A_mask_naming_no_usable_cpu_is_refused()
    {
        int errno = 0;
        bool ok = true;
        var thread = new Thread(() => ok = ThreadAffinity.TryPinCurrentThread([-1, ThreadAffinity.MaxCpus], out errno));
        thread.Start();
        thread.Join();
        Assert.False(ok);
        Assert.Equal(Libc.EINVAL, errno);
    }

    private static string? AllowedCpus(string status) =>
        File.ReadLines(status).FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))?.Split(':')[1].Trim();
}
