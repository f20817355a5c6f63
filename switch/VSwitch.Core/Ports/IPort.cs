using VSwitch.Core.Packets;

namespace VSwitch.Core.Ports;

/// <summary>
/// The contract between the datapath and every kind of port (vhost-user, TAP, pcap, dummy). One
/// interface call per batch, never per packet (OVS <c>netdev_class->rxq_recv</c>/<c>send</c>).
/// Threading: a receive queue is polled by exactly one datapath thread; a transmit queue may be shared,
/// and the port serialises senders on it per batch.
/// </summary>
public interface IPort
{
    /// <summary>The port's OpenFlow-style number.</summary>
    PortId Id { get; }

    /// <summary>The port's unique name.</summary>
    string Name { get; }

    /// <summary>Receive queues the datapath should poll now (may change when the peer reconfigures).</summary>
    int RxQueueCount { get; }

    /// <summary>Transmit queues available now.</summary>
    int TxQueueCount { get; }

    /// <summary>Connection/link state.</summary>
    PortState State { get; }

    /// <summary>Counters, written by the datapath threads and read by anyone.</summary>
    PortStats Stats { get; }

    /// <summary>
    /// The offloads the port's peer accepts on frames sent to it now (may change when the peer renegotiates). The
    /// datapath finishes in software whatever a frame asks beyond these before <see cref="Send"/>. Read once per batch.
    /// </summary>
    PortOffloads TxOffloads => PortOffloads.None;

    /// <summary>
    /// Appends up to <c>batch.Free</c> received packets to <paramref name="batch"/> and returns how many.
    /// Ownership: the caller owns the appended packets and must free or send each one. Packets may be
    /// external (lent by the port, <see cref="PacketBuffer.IsExternal"/>); they stay valid until the caller
    /// calls <see cref="CompleteReceive"/> for this queue, which it must do after every receive that
    /// returned non-zero, once all of those packets have been sent or freed.
    /// Each packet's <see cref="PacketBuffer.InPort"/> names the port it entered the switch on: normally this port; a
    /// port that reads a socket shared with other ports (the tunnel ports of one UDP endpoint) names the port the
    /// packet belongs to, and the datapath processes it as received there.
    /// Never blocks, never throws for peer errors (they become drop counters or a broken queue).
    /// </summary>
    int Receive(int queue, PacketBatch batch);

    /// <summary>Releases what the last <see cref="Receive"/> on <paramref name="queue"/> lent (e.g. returns guest descriptors).</summary>
    void CompleteReceive(int queue);

    /// <summary>
    /// Transmits the packets of <paramref name="batch"/> on <paramref name="queue"/>. Takes ownership of every
    /// packet regardless of outcome: each one is sent or counted as a drop, then freed; the batch is empty
    /// on return. Never blocks waiting for the peer.
    /// </summary>
    void Send(int queue, PacketBatch batch);
}
