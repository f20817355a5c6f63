using VSwitch.Core.Packets;
using VSwitch.Core.Ports;

namespace VSwitch.Datapath.Tests;

/// <summary>
/// A port whose one receive queue delivers packets that belong to other ports (as a tunnel endpoint's shared socket
/// does): each queued frame names the port it entered on. Sends are discarded.
/// </summary>
internal sealed class SharedQueuePort(PortId id) : IPort
{
    private readonly Queue<(byte[] Frame, ushort InPort)> _pending = new();

    public PortId Id { get; } = id;

    public string Name => "shared";

    public int RxQueueCount => 1;

    public int TxQueueCount => 1;

    public PortState State => PortState.Up;

    public PortStats Stats { get; } = new(1);

    public PacketPool Pool { get; } = new(64, 2048);

    public void Inject(byte[] frame, int inPort) => _pending.Enqueue((frame, (ushort)inPort));

    public int Receive(int queue, PacketBatch batch)
    {
        int n = 0;
        while (!batch.IsFull && _pending.Count > 0 && Pool.TryRent(out PacketBuffer? p))
        {
            (byte[] frame, ushort inPort) = _pending.Dequeue();
            p.TryCopyFrom(frame);
            p.InPort = new PortId(inPort);
            batch.TryAdd(p);
            n++;
        }
        return n;
    }

    public void CompleteReceive(int queue)
    {
    }

    public void Send(int queue, PacketBatch batch) => batch.FreeAll();
}
