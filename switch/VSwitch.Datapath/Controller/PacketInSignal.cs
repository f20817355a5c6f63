namespace VSwitch.Datapath.Controller;

/// <summary>
/// Wakes the consumer of the <see cref="PacketInRing"/>s when it sleeps, so that an idle switch has no thread polling
/// the rings and a PACKET_IN still leaves at once. One signal serves every ring of a datapath.
/// The consumer announces that it is about to sleep (<see cref="PrepareWait"/>), looks at the rings once more, and
/// only then waits; a producer that published a frame checks the announcement and sets the event. Both sides put a
/// full fence between their store and their load (the producer's head store and its load of the announcement; the
/// consumer's announcement and its load of the heads), so a frame is never left behind a sleeping consumer.
/// Cost to a datapath thread: a fence and a load per frame sent to the controllers, and, for the first such frame after
/// the consumer went to sleep, setting an event (a futex wake); nothing on paths that send nothing to the controllers.
/// Thread rules: <see cref="Notify"/> from any producer; <see cref="PrepareWait"/>, <see cref="Wait"/> and
/// <see cref="CancelWait"/> from the one consumer; <see cref="Wake"/> from anyone (e.g. to stop the consumer).
/// </summary>
public sealed class PacketInSignal
{
    private readonly ManualResetEventSlim _event = new(false, spinCount: 0);
    private int _waiting;

    /// <summary>Producer, after a frame was published: wakes the consumer if it announced it would sleep.</summary>
    public void Notify()
    {
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _waiting) != 0 && Interlocked.Exchange(ref _waiting, 0) != 0)
        {
            _event.Set();
        }
    }

    /// <summary>Consumer: announces a sleep. Look at every ring again afterwards, then <see cref="Wait"/> or <see cref="CancelWait"/>.</summary>
    public void PrepareWait()
    {
        _event.Reset();
        Interlocked.Exchange(ref _waiting, 1);
    }

    /// <summary>Consumer: the rings were not empty after all.</summary>
    public void CancelWait() => Volatile.Write(ref _waiting, 0);

    /// <summary>Consumer: sleeps until a producer or <see cref="Wake"/> sets the event, or <paramref name="timeout"/> passes.</summary>
    public bool Wait(TimeSpan timeout)
    {
        bool woken = _event.Wait(timeout);
        Volatile.Write(ref _waiting, 0);
        return woken;
    }

    /// <summary>Wakes the consumer whatever it announced (used to stop it).</summary>
    public void Wake() => _event.Set();
}
