using VSwitch.Core.Net;

namespace VSwitch.VhostUser.Session;

/// <summary>
/// The hand-over of a SEND_RARP from the session thread to the datapath thread that polls queue pair 0's guest
/// transmit ring, which builds the frame and hands it to the switch as if the guest had sent it (DPDK's vhost library
/// does the same at its next dequeue). A single slot, not a queue: one producer (the session), one consumer (that
/// datapath thread), and a second request before the first was sent replaces it (the frontend repeats its
/// announcements anyway, and the newest MAC is the one that matters).
/// Cost for the datapath: one volatile read per receive batch of queue 0 while nothing is pending; taking a request is
/// one interlocked exchange. Nothing allocates.
/// </summary>
internal sealed class RarpAnnouncement
{
    /// <summary>Marks a full slot (a MAC uses the low 48 bits, so 00:00:00:00:00:00 is still distinguishable from empty).</summary>
    private const long Full = 1L << 48;

    private long _slot;
    private long _requested;
    private long _sent;
    private long _lastSent;

    /// <summary>True while a request waits for the datapath. Any thread; one volatile read.</summary>
    public bool IsPending => Volatile.Read(ref _slot) != 0;

    /// <summary>SEND_RARP requests posted since the port was created. Any thread.</summary>
    public long Requested => Volatile.Read(ref _requested);

    /// <summary>Announcements the datapath sent into the switch since the port was created. Any thread.</summary>
    public long Sent => Volatile.Read(ref _sent);

    /// <summary>The MAC of the last announcement sent (meaningful once <see cref="Sent"/> is non-zero). Any thread.</summary>
    public MacAddress LastSent => new((ulong)Volatile.Read(ref _lastSent));

    /// <summary>
    /// Session: asks for an announcement of <paramref name="mac"/>. True when it replaced one not sent yet.
    /// </summary>
    public bool Post(MacAddress mac)
    {
        Interlocked.Increment(ref _requested);
        return Interlocked.Exchange(ref _slot, Full | (long)mac.Value) != 0;
    }

    /// <summary>Session: forgets a request not sent yet (the front-end left). True when there was one.</summary>
    public bool Cancel() => Interlocked.Exchange(ref _slot, 0) != 0;

    /// <summary>Datapath (the one consumer): takes the waiting request, if any.</summary>
    public bool TryTake(out MacAddress mac)
    {
        long slot = Interlocked.Exchange(ref _slot, 0);
        mac = new MacAddress((ulong)slot & 0xffff_ffff_ffffUL);
        return slot != 0;
    }

    /// <summary>Datapath (the one consumer): counts an announcement of <paramref name="mac"/> handed to the switch.</summary>
    public void CountSent(MacAddress mac)
    {
        Volatile.Write(ref _lastSent, (long)mac.Value);
        Volatile.Write(ref _sent, _sent + 1);
    }
}
