namespace VSwitch.Control.Runtime;

/// <summary>
/// Tells the one watcher of the switch's ports (the OpenFlow PORT_STATUS publisher) that a port may have changed: added,
/// deleted, re-created, or its link state moved (a vhost-user front-end connected, its rings started or stopped, it left).
/// Each <see cref="Notify"/> bumps <see cref="Sequence"/> and wakes the watcher; several notifications before it wakes
/// make one wake-up, so the watcher compares the port descriptions once per burst.
/// No change is lost: a notifier changes the port first and notifies after; the watcher takes the wake-up first
/// (<see cref="WaitAsync"/> clears the pending flag with a full fence) and reads the ports after, so a change it did
/// not see in that read leaves another wake-up pending.
/// Thread rules: <see cref="Notify"/> from control threads (the RPC gate, vhost-user session threads), never from a
/// datapath thread (it may enter the semaphore's lock); <see cref="WaitAsync"/> from one watcher.
/// Cost: an interlocked increment and exchange per notification, a semaphore release for the first one after a wake-up.
/// </summary>
public sealed class PortChangeSignal : IDisposable
{
    private readonly SemaphoreSlim _wake = new(0, 1);
    private long _sequence;
    private int _pending;

    /// <summary>How many notifications there have been (for logs and tests).</summary>
    public long Sequence => Interlocked.Read(ref _sequence);

    /// <summary>A port changed (call after the change is visible): bumps the sequence and wakes the watcher.</summary>
    public void Notify()
    {
        Interlocked.Increment(ref _sequence);
        if (Interlocked.Exchange(ref _pending, 1) == 0)
        {
            _wake.Release();
        }
    }

    /// <summary>
    /// Waits until a notification is pending or <paramref name="timeout"/> passes. True when woken by a notification
    /// (now taken: the next notification wakes the next wait); read the ports after this returns.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> was cancelled.</exception>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancel)
    {
        bool woken = await _wake.WaitAsync(timeout, cancel).ConfigureAwait(false);
        if (woken)
        {
            // Full fence: a notifier that saw the flag still set made its change before this, so the read that follows
            // sees it; one that comes after this finds the flag clear and releases again.
            Interlocked.Exchange(ref _pending, 0);
        }
        return woken;
    }

    /// <summary>Releases the semaphore.</summary>
    public void Dispose() => _wake.Dispose();
}
