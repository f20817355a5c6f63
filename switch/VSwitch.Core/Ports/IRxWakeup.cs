namespace VSwitch.Core.Ports;

/// <summary>
/// Optional port capability: lets an idle datapath thread sleep until a receive queue has work, instead of polling it
/// (docs/ARCHITECTURE.md, "Idle"). Ports without a wake fd do not implement this, and a thread that owns one of their
/// queues sleeps only briefly.
/// <para>
/// The wake-up contract, for one queue and the one datapath thread that polls it:
/// </para>
/// <list type="number">
/// <item><description>The wake fd (<see cref="TryGetRxWakeFd"/>) is level-triggered: it polls readable (POLLIN) while
/// the queue has work, or while the peer's signal that it may have work has not been cleared. Examples: a vhost-user
/// guest's kick eventfd; an epoll fd watching a tap fd or libpcap's packet socket.</description></item>
/// <item><description>The sleeper only waits on it (epoll_wait, for one sleep). It never reads, writes or closes it:
/// the fd belongs to the port, which may close or replace it at any time, so the sleeper asks for it again before
/// every sleep. A fd closed during a sleep costs at most that sleep's timeout.</description></item>
/// <item><description>Order, so that no wake-up is lost: arm (<see cref="SetRxWakeup"/> with true: the peer is asked
/// to signal, then the queue is re-checked), then sleep, then disarm. Work that arrived before the peer could see the
/// arm is found by the re-check (arming returns true and the thread polls instead of sleeping); work after it makes
/// the fd readable, before or during the wait. The queue itself is the truth; the fd is only a hint.</description></item>
/// <item><description>The port clears its own source: disarming (<see cref="SetRxWakeup"/> with false, after every arm,
/// whether the thread slept or not) turns the peer's signals off and clears what the next receive would not (a
/// vhost-user port drains the kick eventfd's counter). A fd that is readable only while frames are queued (tap,
/// pcap) has nothing to clear: receiving does it. A signal that slips in after the disarm costs one early wake-up at
/// the next sleep, never a busy loop.</description></item>
/// </list>
/// Threads: both methods are called only by the thread that polls the queue, between batches and never while it holds
/// packets it received and has not completed; once per sleep, never per packet.
/// </summary>
public interface IRxWakeup
{
    /// <summary>
    /// The fd that polls readable while <paramref name="queue"/> has work or an uncleared signal (see the contract
    /// above); false if the queue has none now. The caller only waits on it, for one sleep.
    /// </summary>
    bool TryGetRxWakeFd(int queue, out int fd);

    /// <summary>
    /// <paramref name="armed"/> true, before sleeping: asks the peer to signal, then re-checks the queue; returns true
    /// if work is already waiting, in which case the caller must poll again instead of sleeping. False, after waking
    /// (or after an arm that found work): asks the peer not to signal and clears the wake fd's source where receiving
    /// would not; returns false.
    /// </summary>
    bool SetRxWakeup(int queue, bool armed);
}
