using VSwitch.Control.Runtime;
using Xunit;

namespace VSwitch.Control.Tests.Runtime;

/// <summary>The port-change signal wakes its watcher once per burst and never leaves a change behind a sleep.</summary>
public sealed class PortChangeSignalTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_notification_before_the_wait_is_kept_and_wakes_it()
    {
        using var signal = new PortChangeSignal();
        signal.Notify();
        Assert.True(await signal.WaitAsync(Long, TestContext.Current.CancellationToken));
        Assert.Equal(1, signal.Sequence);
    }

    [Fact]
    public async Task A_burst_of_notifications_makes_one_wake_up_and_counts_each()
    {
        using var signal = new PortChangeSignal();
        for (int i = 0; i < 5; i++)
        {
            signal.Notify();
        }
        Assert.True(await signal.WaitAsync(Long, TestContext.Current.CancellationToken));
        Assert.False(await signal.WaitAsync(TimeSpan.FromMilliseconds(20), TestContext.Current.CancellationToken));
        Assert.Equal(5, signal.Sequence);
    }

    [Fact]
    public async Task Cancelling_ends_the_wait()
    {
        using var signal = new PortChangeSignal();
        using var cancel = new CancellationTokenSource();
        Task<bool> wait = signal.WaitAsync(Long, cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
    }

    [Fact]
    public void A_notifier_thread_never_leaves_a_change_behind_a_sleeping_watcher()
    {
        // The watcher follows the monitor's protocol (wait, then read); each wait is long, so a lost wake-up shows as a
        // wait that timed out while a change it had not read was there, not as a pass by chance.
        const int Changes = 20_000;
        using var signal = new PortChangeSignal();
        long version = 0;
        long seen = 0;
        int lostWakeups = 0;
        var watcher = new Thread(() =>
        {
            while (seen < Changes)
            {
                bool woken = signal.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).GetAwaiter().GetResult();
                long now = Interlocked.Read(ref version);
                if (!woken && now != seen)
                {
                    lostWakeups++;
                }
                seen = now;
            }
        });
        watcher.Start();
        for (int i = 0; i < Changes; i++)
        {
            Interlocked.Increment(ref version);
            signal.Notify();
            if ((i & 255) == 0)
            {
                Thread.Sleep(1);
            }
        }
        Assert.True(watcher.Join(TimeSpan.FromMinutes(5)), "the watcher did not finish");
        Assert.Equal(Changes, seen);
        Assert.Equal(0, lostWakeups);
        Assert.Equal(Changes, signal.Sequence);
    }
}
