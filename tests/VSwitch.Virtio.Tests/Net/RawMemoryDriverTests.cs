using System.Runtime.InteropServices;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.Virtio.Memory;
using VSwitch.Virtio.Net;
using VSwitch.Virtio.Queue;
using Xunit;

namespace VSwitch.Virtio.Tests.Net;

/// <summary>The test driver over plain host memory (how a vhost-user test frontend uses it with a shared mapping).</summary>
public sealed unsafe class RawMemoryDriverTests
{
    [Fact]
    public void Driver_over_a_raw_mapping_round_trips_a_frame_both_ways()
    {
        const ulong gpa = 0x4000_0000;
        const int size = 1 << 20;
        void* host = NativeMemory.AlignedAlloc(size, 4096);
        try
        {
            new Span<byte>(host, size).Clear();
            var memory = new GuestMemory([new GuestRegion(gpa, size, 0x7000_0000_0000, (nint)host)]);
            var txq = new DriverSideQueue((nint)host, gpa, size / 2, 64);
            var rxq = new DriverSideQueue((nint)host + (size / 2), gpa + (size / 2), size / 2, 64);
            var guestTx = new SplitQueue();
            var guestRx = new SplitQueue();
            txq.Configure(guestTx);
            rxq.Configure(guestRx);
            Assert.True(guestTx.TryValidate(memory));
            Assert.True(guestRx.TryValidate(memory));

            byte[] frame = NetRig.Frame(98, 11);
            txq.AddReadable(NetRig.WithHeader(frame, 12));
            txq.PublishAvail();
            ulong rxBuffer = rxq.Allocate(2048);
            rxq.AddChain(DriverBuffer.Writable(rxBuffer, 2048));
            rxq.PublishAvail();

            var pool = new PacketPool(8);
            var batch = new PacketBatch();
            var stats = new QueueStats();
            var receiver = new VirtioNetRx(guestTx);
            Assert.Equal(1, receiver.Receive(memory, batch, pool, 12, false, stats));
            Assert.True(receiver.Complete(memory, null));
            Assert.True(new VirtioNetTx(guestRx).Send(memory, batch, true, 12, null, stats));

            Assert.Single(txq.ReadUsed());
            Assert.Equal([110u], rxq.ReadUsed().Select(u => u.Length));
            Assert.Equal(frame, rxq.Span(rxBuffer + 12, 98).ToArray());
            Assert.Equal(1, rxq.Span(rxBuffer + 10, 1)[0]);
            Assert.Equal(8, pool.Available);
        }
        finally
        {
            NativeMemory.AlignedFree(host);
        }
    }
}
