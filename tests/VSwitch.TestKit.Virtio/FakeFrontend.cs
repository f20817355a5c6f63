using System.Buffers.Binary;

namespace VSwitch.TestKit.Virtio;

/// <summary>
/// A vhost-user front-end written in C# for tests (rust-vmm's test front-end, QEMU's vhost-user-test): it speaks the
/// protocol over a real unix socket, owns guest RAM in memfds that it shares with SCM_RIGHTS, lays out rings in that RAM
/// with <see cref="DriverSideQueue"/>, kicks through eventfds and reads calls. It can also send any raw bytes and fds,
/// so tests can be as hostile as a broken or malicious QEMU. Guest state (memory, rings, eventfds) outlives the socket:
/// <see cref="Reconnect"/> gives a new connection over the same guest, as QEMU does after a switch restart.
/// Encoding is written here independently of the back-end's structs. Test code: throws on misuse, timeouts and
/// unexpected replies. Not thread-safe.
/// </summary>
public sealed unsafe partial class FakeFrontend : IDisposable
{
    /// <summary>Header flags: version 1.</summary>
    public const uint Version1 = 0x1;

    /// <summary>Header flag set on replies.</summary>
    public const uint ReplyFlag = 0x4;

    /// <summary>Header flag asking for an acknowledgement (REPLY_ACK).</summary>
    public const uint NeedReplyFlag = 0x8;

    /// <summary>How long a reply may take before a test fails: generous, for a busy machine (only a failing test waits it out).</summary>
    public static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    private int _socket = -1;

    private FakeFrontend()
    {
    }

    /// <summary>
    /// When true, every request without a reply of its own is sent with NEED_REPLY and its acknowledgement is read and
    /// checked to be 0 (needs REPLY_ACK negotiated).
    /// </summary>
    public bool UseReplyAck { get; set; }

    /// <summary>True while a socket is open.</summary>
    public bool IsConnected => _socket >= 0;

    /// <summary>Connects to a back-end listening at <paramref name="path"/>, retrying until <paramref name="timeout"/>.</summary>
    public static FakeFrontend Connect(string path, TimeSpan? timeout = null)
    {
        var frontend = new FakeFrontend();
        frontend.Reconnect(path, timeout);
        return frontend;
    }

    /// <summary>A front-end over an already connected socket (taken over).</summary>
    internal static FakeFrontend FromSocket(int socket) => new() { _socket = socket };

    /// <summary>Closes the current socket (if any) and connects again, keeping guest memory and rings.</summary>
    public void Reconnect(string path, TimeSpan? timeout = null)
    {
        Disconnect();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        Span<byte> address = stackalloc byte[110];
        uint length = MemfdNative.MakeAddress(path, address);
        while (true)
        {
            int fd = MemfdNative.socket(MemfdNative.AF_UNIX, MemfdNative.SOCK_STREAM | MemfdNative.SOCK_CLOEXEC, 0);
            if (fd < 0)
            {
                throw new IOException($"socket failed: errno {MemfdNative.Errno}");
            }
            fixed (byte* a = address)
            {
                if (MemfdNative.connect(fd, a, length) == 0)
                {
                    _socket = fd;
                    return;
                }
            }
            _ = MemfdNative.close(fd);
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no back-end listening at {path}");
            }
            Thread.Sleep(20);
        }
    }

    /// <summary>Takes over <paramref name="socket"/> as the connection, closing the current one.</summary>
    internal void Attach(int socket)
    {
        Disconnect();
        _socket = socket;
    }

    /// <summary>Closes the socket (the back-end sees a disconnect); guest memory and rings stay.</summary>
    public void Disconnect()
    {
        if (_socket >= 0)
        {
            _ = MemfdNative.close(_socket);
            _socket = -1;
        }
    }

    /// <summary>Sends one message: header (request, <paramref name="flags"/>, payload size) and payload, with <paramref name="fds"/> attached.</summary>
    public void Send(uint request, ReadOnlySpan<byte> payload = default, ReadOnlySpan<int> fds = default, uint flags = Version1)
    {
        Span<byte> message = new byte[12 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(message, request);
        BinaryPrimitives.WriteUInt32LittleEndian(message[4..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(message[8..], (uint)payload.Length);
        payload.CopyTo(message[12..]);
        SendRaw(message, fds);
    }

    /// <summary>Sends arbitrary bytes (any framing, including none) with <paramref name="fds"/> attached to the first byte.</summary>
    public void SendRaw(ReadOnlySpan<byte> bytes, ReadOnlySpan<int> fds = default)
    {
        int controlLength = fds.Length == 0 ? 0 : 16 + (((fds.Length * sizeof(int)) + 7) & ~7);
        byte* control = stackalloc byte[Math.Max(controlLength, 8)];
        if (fds.Length > 0)
        {
            new Span<byte>(control, controlLength).Clear();
            *(nuint*)control = (nuint)(16 + (fds.Length * sizeof(int)));
            *(int*)(control + 8) = MemfdNative.SOL_SOCKET;
            *(int*)(control + 12) = MemfdNative.SCM_RIGHTS;
            for (int i = 0; i < fds.Length; i++)
            {
                ((int*)(control + 16))[i] = fds[i];
            }
        }
        if (bytes.IsEmpty)
        {
            throw new ArgumentException("a stream socket carries fds only with at least one byte", nameof(bytes));
        }
        fixed (byte* data = bytes)
        {
            int sent = 0;
            while (sent < bytes.Length)
            {
                MemfdNative.IoVec iov = new() { Base = data + sent, Length = (nuint)(bytes.Length - sent) };
                MemfdNative.MsgHdr msg = new() { Iov = &iov, IovLength = 1 };
                if (sent == 0 && fds.Length > 0)
                {
                    msg.Control = control;
                    msg.ControlLength = (nuint)controlLength;
                }
                nint n = MemfdNative.sendmsg(_socket, &msg, MemfdNative.MSG_NOSIGNAL);
                if (n < 0)
                {
                    throw new IOException($"sendmsg failed: errno {MemfdNative.Errno}");
                }
                sent += (int)n;
            }
        }
    }

    /// <summary>Reads one reply; throws on timeout or when the back-end closed the connection.</summary>
    public FakeFrontendReply ReadReply(TimeSpan? timeout = null)
    {
        if (!TryReadReply(timeout ?? ReplyTimeout, out FakeFrontendReply? reply))
        {
            throw new TimeoutException("no reply from the back-end");
        }
        return reply ?? throw new IOException("the back-end closed the connection instead of replying");
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for a reply. False on timeout; true with null when the back-end closed the
    /// connection; true with the reply otherwise.
    /// </summary>
    public bool TryReadReply(TimeSpan timeout, out FakeFrontendReply? reply)
    {
        reply = null;
        if (MemfdNative.WaitReadable(_socket, (int)timeout.TotalMilliseconds) == 0)
        {
            return false;
        }
        byte[] header = new byte[12];
        if (!ReceiveExact(header))
        {
            return true;
        }
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(8));
        if (size > 4096)
        {
            throw new IOException($"reply payload of {size} bytes");
        }
        byte[] payload = new byte[size];
        if (size > 0 && !ReceiveExact(payload))
        {
            return true;
        }
        reply = new FakeFrontendReply(
            BinaryPrimitives.ReadUInt32LittleEndian(header), BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4)), payload);
        return true;
    }

    /// <summary>
    /// True when the back-end closes the connection within <paramref name="timeout"/>. Replies that arrive first (error
    /// acknowledgements) are collected in <paramref name="repliesBeforeClose"/>.
    /// </summary>
    public bool WaitForClose(TimeSpan timeout, List<FakeFrontendReply>? repliesBeforeClose = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (!TryReadReply(deadline - DateTime.UtcNow, out FakeFrontendReply? reply))
            {
                return false;
            }
            if (reply is null)
            {
                return true;
            }
            repliesBeforeClose?.Add(reply);
        }
        return false;
    }

    private bool ReceiveExact(Span<byte> buffer)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            if (MemfdNative.WaitReadable(_socket, (int)ReplyTimeout.TotalMilliseconds) == 0)
            {
                throw new TimeoutException("partial reply");
            }
            fixed (byte* p = buffer)
            {
                nint n = MemfdNative.recv(_socket, p + done, (nuint)(buffer.Length - done), 0);
                if (n <= 0)
                {
                    return false;
                }
                done += (int)n;
            }
        }
        return true;
    }

    /// <summary>Closes the socket, the rings' eventfds and the guest memory.</summary>
    public void Dispose()
    {
        Disconnect();
        foreach (FakeFrontendRing ring in _rings.Values)
        {
            ring.Dispose();
        }
        _rings.Clear();
        foreach (FakeFrontendRegion region in _regions)
        {
            region.Memory.Dispose();
        }
        _regions.Clear();
    }
}
