using System.Runtime.InteropServices;
using VSwitch.Native;
using VSwitch.VhostUser.Protocol;
using VSwitch.VhostUser.Session;

namespace VSwitch.VhostUser.Transport;

/// <summary>
/// One connected vhost-user socket: reads whole messages (header, payload, and the fds that came with them) and
/// writes replies. Owned by the session thread; <see cref="Shutdown"/> may be called from any thread to wake it.
/// </summary>
// SAFETY: pointers are to stack locals or pinned (fixed) buffers lent to the kernel for one call; control-message
// walking stays inside the control buffer (each header and its data are checked against its end).
internal sealed unsafe class UnixConnection : IDisposable
{
    /// <summary>Most fds one message may carry (the spec's limit for SET_MEM_TABLE).</summary>
    public const int MaxFds = 8;

    /// <summary>Largest payload accepted: SET_MEM_TABLE with 8 regions is 264 bytes; configuration space at most 4 KiB.</summary>
    public const int MaxPayload = 4096 + 12;

    private int _fd;

    public UnixConnection(int fd) => _fd = fd;

    /// <summary>The socket fd (for logging).</summary>
    public int Fd => _fd;

    /// <summary>
    /// Waits up to <paramref name="timeoutMs"/> for data. Returns 1 when readable, 0 on timeout, -1 when the
    /// socket is gone.
    /// </summary>
    public int WaitReadable(int timeoutMs)
    {
        Libc.PollFd p = new() { Fd = _fd, Events = Libc.POLLIN };
        int r = Libc.poll(&p, 1, timeoutMs);
        if (r < 0)
        {
            return Libc.Errno == Libc.EINTR ? 0 : -1;
        }
        if (r == 0)
        {
            return 0;
        }
        return (p.Revents & Libc.POLLIN) != 0 ? 1 : -1;
    }

    /// <summary>
    /// Reads one message. The header and any fds arrive with the first byte; the payload follows. Every fd
    /// received is added to <paramref name="fds"/> (the caller owns and must close them) even when the message is
    /// then rejected. Returns null on success, or the error.
    /// </summary>
    public VhostUserError? TryRead(out MessageHeader header, byte[] payload, ReceivedFds fds)
    {
        header = default;
        MessageHeader h;
        var err = ReceiveExact(&h, MessageHeader.Size, fds);
        if (err is not null)
        {
            return err;
        }
        header = h;
        if (!h.IsValid())
        {
            return VhostUserError.InvalidHeader;
        }
        if (h.PayloadSize > MaxPayload || h.PayloadSize > payload.Length)
        {
            return VhostUserError.OversizedMessage;
        }
        if (h.PayloadSize > 0)
        {
            fixed (byte* p = payload)
            {
                err = ReceiveExact(p, (int)h.PayloadSize, fds);
            }
        }
        return err;
    }

    private VhostUserError? ReceiveExact(void* buffer, int length, ReceivedFds fds)
    {
        int done = 0;
        byte* control = stackalloc byte[ControlSpace];
        while (done < length)
        {
            Libc.IoVec iov = new() { Base = (byte*)buffer + done, Length = (nuint)(length - done) };
            Libc.MsgHdr msg = new() { Iov = &iov, IovLength = 1, Control = control, ControlLength = ControlSpace };
            nint n = Libc.recvmsg(_fd, &msg, Libc.MSG_CMSG_CLOEXEC);
            if (n < 0)
            {
                if (Libc.Errno == Libc.EINTR)
                {
                    continue;
                }
                return VhostUserError.SocketBroken;
            }
            CollectFds(&msg, fds);
            if (n == 0)
            {
                return VhostUserError.Disconnected;
            }
            if ((msg.Flags & Libc.MSG_CTRUNC) != 0)
            {
                return VhostUserError.TooManyFds;
            }
            done += (int)n;
        }
        return null;
    }

    private const int ControlSpace = 16 + (MaxFds * sizeof(int)) + 16;

    private static void CollectFds(Libc.MsgHdr* msg, ReceivedFds fds)
    {
        // Walk every control message (CMSG_FIRSTHDR/CMSG_NXTHDR); keep every SCM_RIGHTS fd so none can leak.
        byte* p = (byte*)msg->Control;
        byte* end = p + msg->ControlLength;
        while (p + sizeof(Libc.CmsgHdr) <= end)
        {
            var c = (Libc.CmsgHdr*)p;
            nuint len = c->Length;
            if (len < (nuint)sizeof(Libc.CmsgHdr) || p + len > end)
            {
                break;
            }
            if (c->Level == Libc.SOL_SOCKET && c->Type == Libc.SCM_RIGHTS)
            {
                int count = (int)((len - (nuint)sizeof(Libc.CmsgHdr)) / sizeof(int));
                int* data = (int*)(p + sizeof(Libc.CmsgHdr));
                for (int i = 0; i < count; i++)
                {
                    fds.Add(data[i]);
                }
            }
            p += (len + 7) & ~(nuint)7;
        }
    }

    /// <summary>Writes a reply: header with the REPLY flag and the given payload.</summary>
    public bool TryWriteReply(FrontendRequest request, ReadOnlySpan<byte> payload)
    {
        var header = new MessageHeader((uint)request, MessageHeader.Version1 | MessageHeader.ReplyFlag, (uint)payload.Length);
        Span<byte> buffer = stackalloc byte[MessageHeader.Size + payload.Length];
        MemoryMarshal.Write(buffer, in header);
        payload.CopyTo(buffer[MessageHeader.Size..]);
        return TryWriteAll(buffer);
    }

    /// <summary>Writes raw bytes (a whole message).</summary>
    public bool TryWriteAll(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            int done = 0;
            while (done < bytes.Length)
            {
                Libc.IoVec iov = new() { Base = p + done, Length = (nuint)(bytes.Length - done) };
                Libc.MsgHdr msg = new() { Iov = &iov, IovLength = 1 };
                nint n = Libc.sendmsg(_fd, &msg, Libc.MSG_NOSIGNAL);
                if (n < 0)
                {
                    if (Libc.Errno == Libc.EINTR)
                    {
                        continue;
                    }
                    return false;
                }
                done += (int)n;
            }
        }
        return true;
    }

    /// <summary>Wakes any thread blocked on this socket; safe from any thread.</summary>
    public void Shutdown()
    {
        int fd = Volatile.Read(ref _fd);
        if (fd >= 0)
        {
            _ = Libc.shutdown(fd, Libc.SHUT_RDWR);
        }
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        FileDescriptor.CloseIfValid(fd);
    }
}
