using System.Runtime.CompilerServices;

namespace VSwitch.Core.Ports;

/// <summary>
/// Serialises the datapath threads that send on one transmit queue of a port (<see cref="IPort"/>: "a transmit queue
/// may be shared, and the port serialises senders on it per batch"). Taken once per batch around the queue's writes,
/// never per packet.
/// Who may call: any datapath thread, for the time of one batch. Inside, nothing that blocks, allocates or throws. Not
/// reentrant (a holder that enters again spins forever) and not fair; only the holder exits.
/// Cost: free, one interlocked compare-exchange to enter and one release store to exit. Taken, the caller spins with
/// <see cref="SpinWait"/>, which yields the CPU after a few rounds and then sleeps in 1 ms steps, so a sender that
/// lost its CPU while holding the lock does not burn the other threads' time.
/// A mutable struct of one int: keep it in a field that is not readonly (one per queue, or an array element) and call
/// it through that field; a copy is a different lock. It replaces the same int flag written out by hand in each port;
/// <see cref="SpinLock"/> would add thread-ownership tracking and a ref-bool protocol the datapath does not need.
/// </summary>
public struct TxSpinLock
{
    private int _taken;

    /// <summary>Takes the lock, spinning while another thread holds it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Enter()
    {
        if (Interlocked.CompareExchange(ref _taken, 1, 0) != 0)
        {
            EnterContended();
        }
    }

    /// <summary>Takes the lock if it is free; false at once if another thread holds it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryEnter() => Interlocked.CompareExchange(ref _taken, 1, 0) == 0;

    /// <summary>
    /// Releases the lock. A release store: everything the holder wrote before is visible to the next thread that takes
    /// it (whose compare-exchange is a full fence).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Exit() => Volatile.Write(ref _taken, 0);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnterContended()
    {
        SpinWait spin = default;
        do
        {
            spin.SpinOnce();
        }
        while (Interlocked.CompareExchange(ref _taken, 1, 0) != 0);
    }
}
