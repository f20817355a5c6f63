using System.Runtime.InteropServices;
using SharpPcap;
using SharpPcap.LibPcap;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Native;
using VSwitch.Ports.Pcap.Interop;

namespace VSwitch.Ports.Pcap;

/// <summary>
/// A live network interface through libpcap (DPDK net_pcap's iface mode): frames captured on the interface enter the
/// switch, frames the switch sends are injected on it. Opened promiscuous, in immediate mode, non-blocking, snaplen
/// 65535, and capturing direction IN only, so the switch never receives its own injected frames back. Design note:
/// the datapath thread reads with <c>pcap_next_ex</c> and sends with <c>pcap_sendpacket</c> by pointer (SharpPcap's
/// own read and send wrappers allocate a header object per frame); each frame is copied once, from libpcap's ring
/// into a buffer of the queue's <see cref="PacketPool"/>. One receive queue (polled by one datapath thread) and one
/// transmit queue (senders serialised by a <see cref="TxSpinLock"/> taken once per batch). As an
/// <see cref="IRxWakeup"/> the port hands an idle datapath thread an epoll fd watching libpcap's selectable fd (the
/// packet socket), not the socket itself, so that no reader of a wake fd can take a frame from under libpcap. A read
/// error (the interface vanished) puts the port in <see cref="PortState.Error"/> with libpcap's reason. Dispose closes
/// the handle after the port left the datapath.
/// </summary>
public sealed unsafe class PcapLivePort : IPort, IRxWakeup, IDisposable
{
    private readonly LibPcapLiveDevice _device;
    private readonly IntPtr _pcap;
    private readonly PacketPool _pool = new(PcapPortDefaults.PoolSize);
    private volatile PortState _state = PortState.Up;
    private volatile string? _error;
    private readonly int _selectableFd;
    private int _wakeFd;
    private TxSpinLock _txLock;

    private PcapLivePort(PortId id, string name, string iface, LibPcapLiveDevice device)
    {
        Id = id;
        Name = name;
        Interface = iface;
        _device = device;
        _pcap = device.Handle.DangerousGetHandle();
        _selectableFd = LibPcap.pcap_get_selectable_fd(_pcap);
        // Without one (it cannot fail for a Linux live capture) an idle thread owning this queue backs off 1 ms at a time.
        _wakeFd = Epoll.WatchReadable(_selectableFd);
        Stats = new PortStats(1);
    }

    /// <summary>
    /// Opens <paramref name="iface"/> (bringing it up if it is down) and returns the running port.
    /// </summary>
    /// <exception cref="ArgumentException">The interface does not exist or cannot be opened; the message says why.</exception>
    public static PcapLivePort Open(PortId id, string name, string iface)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(iface);
        if (iface.Contains('/', StringComparison.Ordinal) || !Directory.Exists(Path.Combine("/sys/class/net", iface)))
        {
            throw new ArgumentException($"no such network interface '{iface}'");
        }
        BringUp(iface);
        PcapInterface? found = null;
        foreach (PcapInterface i in PcapInterface.GetAllPcapInterfaces())
        {
            if (string.Equals(i.Name, iface, StringComparison.Ordinal))
            {
                found = i;
                break;
            }
        }
        if (found is null)
        {
            throw new ArgumentException($"libpcap does not list interface '{iface}'");
        }
        var device = new LibPcapLiveDevice(found);
        try
        {
            device.Open(new DeviceConfiguration
            {
                Mode = DeviceModes.Promiscuous,
                Snaplen = PcapPortDefaults.SnapLen,
                Immediate = true,
                ReadTimeout = 1,
            });
            device.NonBlockingMode = true;
            IntPtr pcap = device.Handle.DangerousGetHandle();
            if (LibPcap.pcap_setdirection(pcap, LibPcap.PCAP_D_IN) != 0)
            {
                throw new ArgumentException($"cannot capture only incoming frames on {iface}: {LibPcap.GetError(pcap)}");
            }
            return new PcapLivePort(id, name, iface, device);
        }
        catch (PcapException e)
        {
            device.Dispose();
            throw new ArgumentException($"cannot open {iface}: {e.Message}", e);
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public PortId Id { get; }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The interface captured on and injected into.</summary>
    public string Interface { get; }

    /// <inheritdoc/>
    public int RxQueueCount => 1;

    /// <inheritdoc/>
    public int TxQueueCount => 1;

    /// <inheritdoc/>
    public PortState State => _state;

    /// <inheritdoc/>
    public PortStats Stats { get; }

    /// <summary>The pool the receive queue rents from (for leak checks in tests).</summary>
    public PacketPool RxPool => _pool;

    /// <summary>A snapshot for port-status. Any thread.</summary>
    public PcapPortStatus GetStatus()
    {
        PortState state = _state;
        string activity = state switch
        {
            PortState.Up => "capturing",
            PortState.Error => "failed",
            _ => "stopped",
        };
        return new PcapPortStatus(true, state, activity, Interface, null, null, false, null, 0, 0, 0, 0, _error);
    }

    /// <summary>
    /// Appends frames captured on the interface, each copied into a buffer of this port's pool; see
    /// <see cref="IPort.Receive"/>. Only the datapath thread that polls queue 0 calls this. Non-blocking.
    /// </summary>
    public int Receive(int queue, PacketBatch batch)
    {
        if (queue != 0 || _state != PortState.Up)
        {
            return 0;
        }
        QueueStats stats = Stats.Rx[0];
        int n = 0;
        long bytes = 0;
        while (!batch.IsFull)
        {
            if (!_pool.TryRent(out PacketBuffer? p))
            {
                // Leave the frames in libpcap's ring: they are read once buffers come back.
                stats.Drops.Add(DropReason.PoolExhausted);
                break;
            }
            int rc = LibPcap.pcap_next_ex(_pcap, out IntPtr header, out IntPtr data);
            if (rc != 1)
            {
                p.Free();
                if (rc < 0)
                {
                    Fail(LibPcap.GetError(_pcap));
                }
                break;
            }
            int capLen = Marshal.ReadInt32(header, LibPcap.HeaderCapLenOffset);
            // SAFETY: libpcap guarantees capLen readable bytes at data until the next pcap_next_ex on this handle,
            // which only this thread calls.
            if (!p.TryCopyFrom(new ReadOnlySpan<byte>((void*)data, capLen)))
            {
                p.Free();
                stats.Drops.Add(DropReason.PacketTooLarge);
                continue;
            }
            p.InPort = Id;
            batch.TryAdd(p);
            bytes += capLen;
            n++;
        }
        stats.Packets += n;
        stats.Bytes += bytes;
        return n;
    }

    /// <inheritdoc/>
    public void CompleteReceive(int queue)
    {
    }

    /// <summary>
    /// Injects every frame of <paramref name="batch"/> on the interface and frees them; see <see cref="IPort.Send"/>.
    /// A frame the kernel refuses (e.g. longer than the interface MTU) is dropped as <see cref="DropReason.TxDeviceError"/>.
    /// </summary>
    public void Send(int queue, PacketBatch batch)
    {
        QueueStats stats = Stats.Tx[0];
        if (_state != PortState.Up)
        {
            stats.Drops.Add(DropReason.PortDown, batch.Count);
            batch.FreeAll();
            return;
        }
        _txLock.Enter();
        int sent = 0;
        long bytes = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            PacketBuffer p = batch[i];
            // SAFETY: p.Data is valid for p.Length bytes while the batch owns the packet (PacketBuffer contract).
            if (LibPcap.pcap_sendpacket(_pcap, p.Data, p.Length) == 0)
            {
                sent++;
                bytes += p.Length;
            }
            else
            {
                stats.Drops.Add(DropReason.TxDeviceError);
            }
        }
        stats.Packets += sent;
        stats.Bytes += bytes;
        _txLock.Exit();
        batch.FreeAll();
    }

    /// <summary>The receive queue's wake fd: an epoll fd that polls readable while libpcap has frames for us.</summary>
    public bool TryGetRxWakeFd(int queue, out int fd)
    {
        fd = queue == 0 ? _wakeFd : -1;
        return fd >= 0;
    }

    /// <summary>
    /// The socket always signals; arming only checks (poll, no wait) whether a frame is already there, so a thread
    /// about to sleep does not miss one that arrived after its last poll. Disarming has nothing to clear: the socket is
    /// readable only while frames are queued, and receiving clears it.
    /// </summary>
    public bool SetRxWakeup(int queue, bool armed) => armed && queue == 0 && FileDescriptor.IsReadable(_selectableFd);

    /// <summary>Closes the wake fd and the libpcap handle. Call only after the port was removed from the datapath.</summary>
    public void Dispose()
    {
        _state = PortState.Down;
        FileDescriptor.CloseIfValid(Interlocked.Exchange(ref _wakeFd, -1));
        _device.Dispose();
    }

    /// <summary>Sets IFF_UP on <paramref name="iface"/> if it is not set. Control thread only.</summary>
    /// <exception cref="ArgumentException">The name is too long or the interface cannot be brought up (the message says why).</exception>
    private static void BringUp(string iface)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(iface) >= Libc.IfNameSize)
        {
            throw new ArgumentException(
                $"cannot bring {iface} up: interface name '{iface}' is longer than {Libc.IfNameSize - 1} bytes");
        }
        using InterfaceSocket socket = InterfaceSocket.TryOpen(out int errno)
            ?? throw new ArgumentException($"cannot bring {iface} up: socket: {Libc.Describe(errno)}");
        int rc = socket.BringUp(iface);
        if (rc != 0)
        {
            throw new ArgumentException($"cannot bring {iface} up: {Libc.Describe(rc)}");
        }
    }

    private void Fail(string reason)
    {
        _error = $"{Interface}: {reason}";
        _state = PortState.Error;
    }
}
