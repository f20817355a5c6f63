using System.Runtime.InteropServices;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Native;

namespace VSwitch.Ports.Vxlan;

/// <summary>
/// One transmit queue of a VXLAN port: everything a batch is built in, so that datapath threads on different queues
/// share nothing but the port's sockets. Native scratch: a VXLAN header per packet, two iovecs per packet (header,
/// frame), the messages of one sendmmsg and of the frame-by-frame fallback, their <c>UDP_SEGMENT</c> control messages
/// and the destinations of a flow-based port; managed: the per-packet socket choice and sort order. All of it is
/// allocated when the port opens (about 7 KiB native and 0.5 KiB managed per queue), none per batch. The send loop is
/// in <c>VxlanTxQueue.Send.cs</c>. Threads: used only while <see cref="Lock"/> is held. The datapath gives each of its
/// threads (and the control thread's packet-out) a queue of its own, so the lock is always free when taken: one
/// compare-exchange per batch, no waiting. It is there because the port contract lets callers share a queue.
/// </summary>
internal sealed unsafe partial class VxlanTxQueue : IDisposable
{
    private const int Capacity = PacketBatch.Capacity;
    private const int ControlSpace = 24;

    private readonly VxlanSender _sender;
    private readonly int[] _fds;
    private readonly byte* _native;
    private readonly byte* _headers;
    private readonly Libc.IoVec* _iovs;
    private readonly Libc.MMsgHdr* _msgs;
    private readonly Libc.MMsgHdr* _singles;
    private readonly byte* _controls;
    private readonly Libc.SockaddrIn* _remote;
    private readonly Libc.SockaddrIn* _flowRemotes;
    private readonly ushort _dstPort;
    private readonly bool _flowRemote;
    private readonly bool _flowKey;
    private readonly int[] _socketOf = new int[Capacity];
    private readonly int[] _order = new int[Capacity];
    private readonly int[] _msgFirst = new int[Capacity];
    private readonly int[] _msgCount = new int[Capacity];
    private readonly int[] _groupEnd;
    private bool _disposed;

    /// <summary>Serialises the senders of this queue (per batch); uncontended when each thread has its own queue.</summary>
    public TxSpinLock Lock;

    /// <summary>Scratch for sending on <paramref name="sender"/>'s sockets to <paramref name="remoteIp"/> (null: flow) with <paramref name="vni"/> (null: flow).</summary>
    public VxlanTxQueue(VxlanSender sender, int[] fds, uint? remoteIp, ushort dstPort, uint? vni)
    {
        _sender = sender;
        _fds = fds;
        _groupEnd = new int[fds.Length];
        _dstPort = dstPort;
        _flowRemote = remoteIp is null;
        _flowKey = vni is null;
        nuint total = (nuint)((Capacity * VxlanHeader.Size) + (2 * Capacity * sizeof(Libc.IoVec)) + (2 * Capacity * sizeof(Libc.MMsgHdr))
            + (Capacity * ControlSpace) + ((Capacity + 1) * sizeof(Libc.SockaddrIn)));
        _native = (byte*)NativeMemory.AlignedAlloc(total, 64);
        NativeMemory.Clear(_native, total);
        _headers = _native;
        _iovs = (Libc.IoVec*)(_headers + (Capacity * VxlanHeader.Size));
        _msgs = (Libc.MMsgHdr*)(_iovs + (2 * Capacity));
        _singles = _msgs + Capacity;
        _controls = (byte*)(_singles + Capacity);
        _remote = (Libc.SockaddrIn*)(_controls + (Capacity * ControlSpace));
        _flowRemotes = _remote + 1;
        *_remote = Sockets.Address(remoteIp ?? 0, dstPort);
        for (int i = 0; i < Capacity; i++)
        {
            VxlanHeader.Write(new Span<byte>(_headers + (i * VxlanHeader.Size), VxlanHeader.Size), vni ?? 0);
            _iovs[2 * i].Base = _headers + (i * VxlanHeader.Size);
            _iovs[2 * i].Length = VxlanHeader.Size;
            var control = (Libc.CmsgHdr*)(_controls + (i * ControlSpace));
            control->Length = (nuint)Libc.CmsgLen(sizeof(ushort));
            control->Level = Libc.SOL_UDP;
            control->Type = Libc.UDP_SEGMENT;
        }
    }

    /// <summary>Frees the scratch. Only after the datapath stopped sending to the port (the sender closes the sockets).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        NativeMemory.AlignedFree(_native);
    }
}
