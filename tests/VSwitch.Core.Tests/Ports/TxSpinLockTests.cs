using VSwitch.Core.Ports;
using Xunit;

namespace VSwitch.Core.Tests.Ports;

public sealed class TxSpinLockTests
{
    private sealed class Queue
    {
        public TxSpinLock Lock;
        public long Unguarded;
    }

    [Fact]
    public void TryEnter_fails_while_held_and_succeeds_after_exit()
    {
        var q = new Queue();
        Assert.True(q.Lock.TryEnter());
        Assert.False(q.Lock.TryEnter());
        q.Lock.Exit();
        Assert.True(q.Lock.TryEnter());
        q.Lock.Exit();
        q.Lock.Enter();
        Assert.False(q.Lock.TryEnter());
        q.Lock.Exit();
    }

    [Fact]
    public void Senders_on_one_queue_never_overlap()
    {
        // A read-modify-write that is not atomic loses updates as soon as two threads are inside at once.
        const int PerThread = 50_000;
        var q = new Queue();
        int threads = Math.Max(2, Environment.ProcessorCount);
        using var start = new Barrier(threads);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            workers[t] = new Thread(() =>
            {
                start.SignalAndWait();
                for (int i = 0; i < PerThread; i++)
                {
                    q.Lock.Enter();
                    long seen = q.Unguarded;
                    Thread.SpinWait(1);
                    q.Unguarded = seen + 1;
                    q.Lock.Exit();
                }
            });
            workers[t].Start();
        }
        foreach (Thread w in workers)
        {
            w.Join();
        }
        Assert.Equal((long)threads * PerThread, q.Unguarded);
    }
}
