namespace VSwitch.Core.Ports;

/// <summary>
/// Optional port capability: lets an idle datapath thread sleep until the peer has frames for it, instead of polling
/// (docs/ARCHITECTURE.md, "Idle"). A vhost-user port exposes the guest's kick eventfd; ports without such an fd simply
/// do not implement this, and a thread that owns one of their queues sleeps only briefly. Called only by the thread
/// that polls the queue, between batches; called once per sleep, never per packet.
/// </summary>
public interface IRxWakeup
{
    /// <summary>An fd that becomes readable when the peer signals new frames on <paramref name="queue"/>; false if none now.</summary>
    bool TryGetRxWakeFd(int queue, out int fd);

    /// <summary>
    /// Asks the peer to signal (<paramref name="armed"/> true, before sleeping) or not to (false, while polling). When
    /// arming, returns true if frames are already waiting: the caller must poll again instead of sleeping.
    /// </summary>
    bool SetRxWakeup(int queue, bool armed);
}
