using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit;
using VSwitch.TestKit.Virtio;
using VSwitch.VhostUser.Tests.Support;

namespace VSwitch.VhostUser.Tests.Port;

/// <summary>
/// The port's datapath members allocate nothing: after a warm-up, hundreds of Receive/CompleteReceive/Send batches
/// each way are measured on this thread. Only the port calls are inside the measurement; the fake guest's own work is not.
/// </summary>
public sealed class AllocationTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Receive_complete_and_send_allocate_nothing_per_batch(bool zeroCopy)
    {
        using var rig = new PortRig(zeroCopy: zeroCopy);
        using var guest = rig.Connect();
        guest.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        FakeFrontendRing tx = guest.Ring(1);
        FakeFrontendRing rx = guest.Ring(0);
        byte[] frame = PortRig.Frame(1, 200);

        for (int round = 0; round < 300; round++)
        {
            Round(rig, tx, rx, frame);
        }
        int packets = 0;
        long allocated = Allocations.SteadyStateMeasuredBy(() =>
        {
            long bytes = 0;
            packets = 0;
            for (int round = 0; round < 200; round++)
            {
                (long b, int moved) = Round(rig, tx, rx, frame);
                bytes += b;
                packets += moved;
            }
            return bytes;
        });
        Assert.Equal(200 * 2 * PacketBatch.Capacity, packets);
        Assert.Equal(0, allocated);
    }

    /// <summary>One batch each way. Returns the bytes the port calls allocated and the packets moved.</summary>
    private static (long Bytes, int Packets) Round(PortRig rig, FakeFrontendRing tx, FakeFrontendRing rx, byte[] frame)
    {
        for (int i = 0; i < PacketBatch.Capacity; i++)
        {
            tx.Transmit(frame, publish: false);
        }
        tx.Driver.PublishAvail();
        rx.PostReceiveBuffers(PacketBatch.Capacity);
        var send = new PacketBatch();
        for (int i = 0; i < PacketBatch.Capacity; i++)
        {
            rig.Pool.TryRent(out PacketBuffer? p);
            p!.TryCopyFrom(frame);
            send.TryAdd(p);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        int received = rig.Port.Receive(0, rig.Batch);
        rig.Batch.FreeAll();
        rig.Port.CompleteReceive(0);
        rig.Port.Send(0, send);
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;

        int delivered = rx.ReadUsed().Count;
        tx.ReadUsed();
        return (bytes, received + delivered);
    }
}
