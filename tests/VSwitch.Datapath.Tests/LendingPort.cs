using System.Runtime.InteropServices;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;

namespace VSwitch.Datapath.Tests;

/// <summary>
/// A port that receives zero-copy: each receive lends one packet pointing at native memory it owns (as a
/// vhost-user port lends guest memory). Completing a receive records the lent bytes and then poisons them, so a
/// packet read after its receive was completed shows up as 0xEE bytes.
/// </summary>
internal sealed unsafe class LendingPort : IPort, IDisposable
{
    private readonly byte* _memory;
    private readonly int _length;

    public LendingPort(PortId id, byte[] frame, int receives = 1)
    {
        Id = id;
        _length = frame.Length;
        _memory = (byte*)NativeMemory.Alloc((nuint)frame.Length);
        // SAFETY: _memory holds exactly frame.Length bytes, allocated just above and freed only in Dispose.
        frame.CopyTo(new Span<byte>(_memory, _length));
        Remaining = receives;
    }

    public PortId Id { get; }

    public string Name => "lender";

    public int RxQueueCount => 1;

    public int TxQueueCount => 1;

    public PortState State => PortState.Up;

    public PortStats Stats { get; } = new(1);

    public PacketPool Pool { get; } = new(8, 2048);

    public int Remaining { get; set; }

    public int Completions { get; private set; }

    public byte[]? BytesAtCompletion { get; private set; }

    public int Receive(int queue, PacketBatch batch)
    {
        if (Remaining == 0 || !Pool.TryRent(out PacketBuffer? p))
        {
            return 0;
        }
        Remaining--;
        p.AttachExternal(_memory, _length);
        p.InPort = Id;
        batch.TryAdd(p);
        return 1;
    }

    public void CompleteReceive(int queue)
    {
        Completions++;
        // SAFETY: the _length bytes allocated in the constructor; valid until Dispose.
        var lent = new Span<byte>(_memory, _length);
        BytesAtCompletion = lent.ToArray();
        lent.Fill(0xEE);
    }

    public void Send(int queue, PacketBatch batch)
    {
        batch.FreeAll();
    }

    public void Dispose() => NativeMemory.Free(_memory);
}
