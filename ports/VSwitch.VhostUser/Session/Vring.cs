using VSwitch.VhostUser.Interop;
using VSwitch.VhostUser.Protocol.Messages;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Net;
using VSwitch.Virtio.Queue;

namespace VSwitch.VhostUser.Session;

/// <summary>
/// One vring of a vhost-user device (rust-vmm <c>VringState</c>): the split queue, its kick/call/err fds, and the
/// enabled/started flags. Design note: the ring's positions belong to whoever holds <see cref="Busy"/>. A datapath
/// thread takes it per batch (compare-and-swap, never waiting for long); the session thread takes it, spinning,
/// before it changes anything the datapath reads, which is also the quiescent point after which old guest memory
/// may be unmapped. The same flag serialises several datapath threads sending on a shared transmit ring.
/// </summary>
internal sealed class Vring
{
    /// <summary>0 = free, 1 = held.</summary>
    public int Busy;

    private volatile bool _running;

    public Vring(int index)
    {
        Index = index;
        Queue = new SplitQueue();
        Rx = new VirtioNetRx(Queue);
        Tx = new VirtioNetTx(Queue);
    }

    /// <summary>vring index: even = the guest's receive ring, odd = its transmit ring.</summary>
    public int Index { get; }

    /// <summary>The queue itself.</summary>
    public SplitQueue Queue { get; }

    /// <summary>Guest → switch path (used on odd rings).</summary>
    public VirtioNetRx Rx { get; }

    /// <summary>Switch → guest path (used on even rings).</summary>
    public VirtioNetTx Tx { get; }

    /// <summary>Queue size from SET_VRING_NUM (0 = not set).</summary>
    public ushort Num { get; set; }

    /// <summary>Addresses from SET_VRING_ADDR.</summary>
    public VringAddr? Addr { get; set; }

    /// <summary>Base from SET_VRING_BASE.</summary>
    public ushort Base { get; set; }

    /// <summary>Kick eventfd, or -1 (none yet, or polling mode).</summary>
    public int KickFd { get; set; } = -1;

    /// <summary>True when SET_VRING_KICK said "no fd": the back-end polls.</summary>
    public bool KickPolling { get; set; }

    /// <summary>Call eventfd, or -1.</summary>
    public volatile int CallFd = -1;

    /// <summary>Error eventfd, or -1.</summary>
    public int ErrFd { get; set; } = -1;

    /// <summary>SET_VRING_ENABLE state.</summary>
    public bool Enabled { get; set; }

    /// <summary>Started by a kick (or polling flag), stopped by GET_VRING_BASE.</summary>
    public bool Started { get; set; }

    /// <summary>What the datapath checks: started, enabled and not broken. Published by the session under <see cref="Busy"/>.</summary>
    public bool Running => _running;

    /// <summary>Recomputes <see cref="Running"/> (session thread, holding <see cref="Busy"/>).</summary>
    public void UpdateRunning() => _running = Started && Enabled && !Queue.IsBroken;

    /// <summary>Datapath: try to own the ring for one batch.</summary>
    public bool TryEnter() => Interlocked.CompareExchange(ref Busy, 1, 0) == 0;

    /// <summary>Releases the ring.</summary>
    public void Exit() => Volatile.Write(ref Busy, 0);

    /// <summary>Session: waits until the ring is free and takes it.</summary>
    public void EnterExclusive()
    {
        var spin = new SpinWait();
        while (!TryEnter())
        {
            spin.SpinOnce(sleep1Threshold: 20);
        }
    }

    /// <summary>Translates SET_VRING_ADDR's front-end addresses and configures the queue. False if they are not in guest memory.</summary>
    public bool TryConfigure(GuestMemory memory, bool eventIdx)
    {
        if (Addr is not { } a || Num == 0 || !Queue.TrySetSize(Num))
        {
            return false;
        }
        // vhost-user spec: ring addresses in SET_VRING_ADDR are front-end user addresses; translate each through its region.
        if (!memory.TryTranslateUserAddress(a.DescUserAddr, 16UL * Num, out var desc)
            || !memory.TryTranslateUserAddress(a.AvailUserAddr, 6UL + (2UL * Num), out var avail)
            || !memory.TryTranslateUserAddress(a.UsedUserAddr, 6UL + (8UL * Num), out var used))
        {
            return false;
        }
        GuestAddress? log = (a.Flags & VringAddr.LogFlag) != 0 ? new GuestAddress(a.LogGuestAddr) : null;
        Queue.SetAddresses(desc, avail, used, log);
        Queue.EventIdx = eventIdx;
        Queue.SetState(new SplitQueueState(Base, Base));
        return Queue.TryValidate(memory);
    }

    /// <summary>Closes every fd and forgets all configuration (session thread, holding <see cref="Busy"/>).</summary>
    public void Reset()
    {
        Libc.CloseIfValid(KickFd);
        Libc.CloseIfValid(CallFd);
        Libc.CloseIfValid(ErrFd);
        KickFd = -1;
        CallFd = -1;
        ErrFd = -1;
        KickPolling = false;
        Num = 0;
        Addr = null;
        Base = 0;
        Enabled = false;
        Started = false;
        Queue.Reset();
        UpdateRunning();
    }
}
