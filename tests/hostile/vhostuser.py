"""A small vhost-user front-end, written from the vhost-user specification (QEMU docs/interop/vhost-user.rst) and
the VIRTIO 1.2 split virtqueue (section 2.7). It shares no code with the switch: Python standard library only.

Three layers, each usable on its own by the hostile corpus:
  Channel      one Unix socket: messages (header, payload, SCM_RIGHTS fds) sent whole, in pieces or malformed
  GuestMemory  a memfd shared with the back-end, addressed by guest-physical address
  SplitRing    the driver side of one split virtqueue laid out in GuestMemory
  Frontend     a minimal correct front-end: negotiate, memory table, one queue pair, frames in and out
"""

import array
import mmap
import os
import select
import socket
import struct
import time

# Front-end message types (vhost-user spec, "Front-end message types").
GET_FEATURES = 1
SET_FEATURES = 2
SET_OWNER = 3
RESET_OWNER = 4
SET_MEM_TABLE = 5
SET_LOG_BASE = 6
SET_LOG_FD = 7
SET_VRING_NUM = 8
SET_VRING_ADDR = 9
SET_VRING_BASE = 10
GET_VRING_BASE = 11
SET_VRING_KICK = 12
SET_VRING_CALL = 13
SET_VRING_ERR = 14
GET_PROTOCOL_FEATURES = 15
SET_PROTOCOL_FEATURES = 16
GET_QUEUE_NUM = 17
SET_VRING_ENABLE = 18
SEND_RARP = 19
NET_SET_MTU = 20
SET_BACKEND_REQ_FD = 21
IOTLB_MSG = 22
SET_VRING_ENDIAN = 23
GET_CONFIG = 24
SET_CONFIG = 25
CREATE_CRYPTO_SESSION = 26
CLOSE_CRYPTO_SESSION = 27
POSTCOPY_ADVISE = 28
POSTCOPY_LISTEN = 29
POSTCOPY_END = 30
GET_INFLIGHT_FD = 31
SET_INFLIGHT_FD = 32
GPU_SET_SOCKET = 33
RESET_DEVICE = 34
VRING_KICK = 35
GET_MAX_MEM_SLOTS = 36
ADD_MEM_REG = 37
REM_MEM_REG = 38
SET_STATUS = 39
GET_STATUS = 40
LAST_REQUEST = GET_STATUS

# Header flags: version 1 in bits 0-1, reply bit 2, need-reply bit 3.
VERSION = 0x1
FLAG_REPLY = 0x4
FLAG_NEED_REPLY = 0x8
HEADER = struct.Struct("=III")  # request, flags, size: host byte order ("machine native byte order")

# Virtio feature bits (VIRTIO 1.2 sections 5.1.3 and 6) and the vhost-user ones.
F_MRG_RXBUF = 1 << 15
F_MQ = 1 << 22
F_LOG_ALL = 1 << 26
F_INDIRECT_DESC = 1 << 28
F_EVENT_IDX = 1 << 29
F_PROTOCOL_FEATURES = 1 << 30
F_VERSION_1 = 1 << 32

# Protocol feature bits.
P_MQ = 1 << 0
P_LOG_SHMFD = 1 << 1
P_RARP = 1 << 2
P_REPLY_ACK = 1 << 3
P_MTU = 1 << 4
P_BACKEND_REQ = 1 << 5
P_CONFIGURE_MEM_SLOTS = 1 << 15
P_STATUS = 1 << 16

# Descriptor flags (VIRTIO 1.2 section 2.7.5).
DESC_NEXT = 1
DESC_WRITE = 2
DESC_INDIRECT = 4
DESC = struct.Struct("<QIHH")  # addr, len, flags, next: little-endian ring fields

NO_FD = 0x100  # SET_VRING_KICK/CALL/ERR: "no file descriptor" flag in the u64 payload
NET_HEADER = 12  # struct virtio_net_hdr with num_buffers: the header size once VERSION_1 is negotiated
U64 = struct.Struct("=Q")
VRING_STATE = struct.Struct("=II")
VRING_ADDR = struct.Struct("=IIQQQQ")  # index, flags, desc, used, avail, log
REGION = struct.Struct("=QQQQ")  # guest_phys_addr, memory_size, userspace_addr, mmap_offset
LOG = struct.Struct("=QQ")  # mmap_size, mmap_offset

MSG_BUDGET = 4096  # payload bytes this front-end accepts in one reply


class PeerClosed(Exception):
    """The back-end closed the connection."""


class NoReply(Exception):
    """No reply within the timeout."""


def u64(value):
    return U64.pack(value & 0xFFFFFFFFFFFFFFFF)


def vring_state(index, num):
    return VRING_STATE.pack(index & 0xFFFFFFFF, num & 0xFFFFFFFF)


def vring_addr(index, desc, used, avail, flags=0, log=0):
    return VRING_ADDR.pack(index & 0xFFFFFFFF, flags, desc, used, avail, log)


def region(gpa, size, uaddr, offset=0):
    m = 0xFFFFFFFFFFFFFFFF
    return REGION.pack(gpa & m, size & m, uaddr & m, offset & m)


def mem_table(regions, count=None, padding=0):
    """SET_MEM_TABLE payload: u32 count, u32 padding, then the regions (count may lie)."""
    return struct.pack("=II", len(regions) if count is None else count, padding) + b"".join(regions)


class Channel:
    """One connected Unix stream socket speaking vhost-user messages. Sends never raise on a closed peer: they
    record it (peer_closed) so hostile cases can keep going against a back-end that already gave up on them."""

    def __init__(self, sock):
        self.sock = sock
        self.peer_closed = False
        self.replies = []

    def fileno(self):
        return self.sock.fileno()

    def send_raw(self, data, fds=()):
        """Sends bytes, with fds attached to them; False if the peer is gone."""
        if self.peer_closed:
            return False
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
        try:
            view = memoryview(data)
            sent = self.sock.sendmsg([view], anc)
            while sent < len(view):  # a stream socket may take part of it; fds went with the first byte
                sent += self.sock.send(view[sent:])
            return True
        except (BrokenPipeError, ConnectionResetError, ConnectionRefusedError):
            self.peer_closed = True
            return False
        except OSError as e:
            if e.errno in (9, 32, 104, 107):  # EBADF after close, EPIPE, ECONNRESET, ENOTCONN
                self.peer_closed = True
                return False
            raise

    def send(self, request, payload=b"", fds=(), flags=VERSION, size=None):
        """Sends one message; size overrides the header's payload size (to lie about it)."""
        header = HEADER.pack(request & 0xFFFFFFFF, flags & 0xFFFFFFFF, len(payload) if size is None else size & 0xFFFFFFFF)
        return self.send_raw(header + payload, fds)

    def _recv_exact(self, n, deadline):
        data = b""
        while len(data) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise NoReply("no reply in time")
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                continue
            try:
                chunk = self.sock.recv(n - len(data))
            except (ConnectionResetError, BrokenPipeError):
                chunk = b""
            if not chunk:
                self.peer_closed = True
                raise PeerClosed("back-end closed the connection")
            data += chunk
        return data

    def recv(self, timeout=5.0):
        """Reads one message from the back-end: (request, flags, payload)."""
        deadline = time.monotonic() + timeout
        request, flags, size = HEADER.unpack(self._recv_exact(HEADER.size, deadline))
        if size > MSG_BUDGET:
            raise PeerClosed(f"reply of {size} bytes")
        payload = self._recv_exact(size, deadline) if size else b""
        self.replies.append((request, flags, payload))
        return request, flags, payload

    def call(self, request, payload=b"", fds=(), timeout=5.0):
        """Sends a request that has its own reply and returns the reply payload."""
        self.send(request, payload, fds)
        got, flags, reply = self.recv(timeout)
        if got != request or not flags & FLAG_REPLY:
            raise PeerClosed(f"reply to {request} came as request {got} flags {flags:#x}")
        return reply

    def call_u64(self, request, payload=b"", timeout=5.0):
        reply = self.call(request, payload, timeout=timeout)
        if len(reply) != 8:
            raise PeerClosed(f"reply to {request} has {len(reply)} bytes")
        return U64.unpack(reply)[0]

    def ack(self, request, payload=b"", fds=(), timeout=5.0):
        """Sends with NEED_REPLY (REPLY_ACK negotiated) and returns the u64 status (0 = success)."""
        self.send(request, payload, fds, flags=VERSION | FLAG_NEED_REPLY)
        _, _, reply = self.recv(timeout)
        return U64.unpack(reply[:8])[0] if len(reply) >= 8 else -1

    def wait_closed(self, timeout):
        """Waits until the back-end closes the connection, discarding anything it sends. True if it did."""
        if self.peer_closed:
            return True
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                continue
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                chunk = b""
            except OSError:
                chunk = b""
            if not chunk:
                self.peer_closed = True
                return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def connect(path, timeout=10.0):
    """Connects to a back-end listening on path (it may not be listening yet)."""
    deadline = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.settimeout(max(0.1, deadline - time.monotonic()))
            s.connect(path)
            s.settimeout(None)
            return Channel(s)
        except (FileNotFoundError, ConnectionRefusedError, BlockingIOError, socket.timeout):
            # not listening yet, or its backlog is full (the back-end serves one front-end at a time)
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.005)
        except OSError:
            s.close()
            raise


class Listener:
    """The front-end side of a client-mode port: it listens, the back-end connects."""

    def __init__(self, path):
        if os.path.exists(path):
            os.unlink(path)
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(16)

    def accept(self, timeout=10.0):
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            raise NoReply(f"the back-end did not connect to {self.path} within {timeout} s")
        s, _ = self.sock.accept()
        return Channel(s)

    def close(self):
        self.sock.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass


class GuestMemory:
    """A memfd mapped here and offered to the back-end as one region at gpa, known to it as user address uaddr."""

    def __init__(self, size, gpa=0, uaddr=0x7F0000000000, name="vhostile", hugetlb=False):
        flags = os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING | (os.MFD_HUGETLB if hugetlb else 0)
        self.fd = os.memfd_create(name, flags)
        os.ftruncate(self.fd, size)
        self.size = size
        self.gpa = gpa
        self.uaddr = uaddr
        self.map = mmap.mmap(self.fd, size)

    def region(self, **override):
        """The region description; any field may be overridden to lie."""
        f = dict(gpa=self.gpa, size=self.size, uaddr=self.uaddr, offset=0)
        f.update(override)
        return region(f["gpa"], f["size"], f["uaddr"], f["offset"])

    def user(self, gpa):
        return self.uaddr + (gpa - self.gpa)

    def _at(self, gpa, n):
        off = gpa - self.gpa
        if off < 0 or off + n > self.size:
            raise IndexError(f"gpa {gpa:#x}+{n} outside this memory")
        return off

    def write(self, gpa, data):
        off = self._at(gpa, len(data))
        self.map[off:off + len(data)] = data

    def read(self, gpa, n):
        off = self._at(gpa, n)
        return bytes(self.map[off:off + n])

    def w16(self, gpa, v):
        self.write(gpa, struct.pack("<H", v & 0xFFFF))

    def r16(self, gpa):
        return struct.unpack("<H", self.read(gpa, 2))[0]

    def r32(self, gpa):
        return struct.unpack("<I", self.read(gpa, 4))[0]

    def close(self):
        try:
            self.map.close()
        except (BufferError, ValueError):
            pass
        try:
            os.close(self.fd)
        except OSError:
            pass


class SplitRing:
    """Driver side of one split virtqueue (VIRTIO 1.2 section 2.7): descriptor table, avail ring and used ring
    laid out from base in mem, and one buffer of buf_len bytes per descriptor from bufs."""

    def __init__(self, mem, index, size, base, bufs, buf_len=2048):
        self.mem, self.index, self.size = mem, index, size
        self.desc = base
        self.avail = base + 16 * size
        self.used = (self.avail + 6 + 2 * size + 63) & ~63
        self.end = self.used + 6 + 8 * size
        self.bufs, self.buf_len = bufs, buf_len
        self.avail_idx = 0  # next free-running avail index to publish
        self.last_used = 0  # used entries consumed so far
        self.kick_fd = None
        self.call_fd = None

    def addr_payload(self, flags=0, log=0):
        m = self.mem
        return vring_addr(self.index, m.user(self.desc), m.user(self.used), m.user(self.avail), flags, log)

    def set_base(self, base):
        self.avail_idx = base
        self.last_used = base

    def write_desc(self, i, addr, length, flags=0, nxt=0):
        self.mem.write(self.desc + 16 * i, DESC.pack(addr & 0xFFFFFFFFFFFFFFFF, length & 0xFFFFFFFF, flags & 0xFFFF, nxt & 0xFFFF))

    def buf(self, slot):
        return self.bufs + slot * self.buf_len

    def push_head(self, head):
        """Puts head into the avail ring at avail_idx (not yet published)."""
        self.mem.w16(self.avail + 4 + 2 * (self.avail_idx % self.size), head)
        self.avail_idx = (self.avail_idx + 1) & 0xFFFF

    def publish(self, idx=None):
        """Stores avail idx (VIRTIO 1.2 2.7.13.2: after the ring entries; x86 keeps store order)."""
        self.mem.w16(self.avail + 2, self.avail_idx if idx is None else idx)

    def used_idx(self):
        return self.mem.r16(self.used + 2)

    def in_flight(self):
        return (self.avail_idx - self.used_idx()) & 0xFFFF

    def kick(self):
        if self.kick_fd is not None:
            try:
                os.eventfd_write(self.kick_fd, 1)
            except (OSError, TypeError):
                pass

    def transmit(self, frame):
        """Guest transmit: one descriptor with header + frame. False when the ring is full."""
        if self.in_flight() >= self.size:
            return False
        slot = self.avail_idx % self.size
        data = bytes(NET_HEADER) + frame
        self.mem.write(self.buf(slot), data)
        self.write_desc(slot, self.buf(slot), len(data))
        self.push_head(slot)
        self.publish()
        return True

    def post_receive(self, count=None):
        """Guest receive: offers device-writable buffers until the ring is full (or count of them)."""
        n = self.size - self.in_flight() if count is None else count
        for _ in range(n):
            slot = self.avail_idx % self.size
            self.write_desc(slot, self.buf(slot), self.buf_len, DESC_WRITE)
            self.push_head(slot)
        self.publish()

    def take_used(self):
        """Used elements (id, len) the device published since the last call."""
        idx = self.used_idx()
        out = []
        while self.last_used != idx:
            e = self.used + 4 + 8 * (self.last_used % self.size)
            out.append((self.mem.r32(e), self.mem.r32(e + 4)))
            self.last_used = (self.last_used + 1) & 0xFFFF
        return out

    def receive(self):
        """Frames the device wrote into receive buffers since the last call; the buffers are offered again."""
        frames = []
        for head, length in self.take_used():
            if head < self.size and NET_HEADER <= length <= self.buf_len:
                frames.append(self.mem.read(self.buf(head), length)[NET_HEADER:])
        self.post_receive()
        return frames


def eventfd():
    return os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)


def frame(dst, src, tag=b"", size=64):
    """An Ethernet frame dst, src, ethertype 0x88b5 (local experimental), payload starting with tag."""
    body = b"VHOSTILE" + tag
    f = dst + src + b"\x88\xb5" + body
    return f + bytes(max(0, size - len(f)))


def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


class Frontend:
    """A minimal correct front-end: one queue pair (ring 0 guest receive, ring 1 guest transmit) in one memfd.

    Layout of the memory (gpa 0): the receive ring, the transmit ring, receive buffers, transmit buffers; the area
    from SCRATCH (3 MiB) up is left to the caller (the default memory is 4 MiB)."""

    SCRATCH = 0x300000

    def __init__(self, channel, queue_size=256, mem_size=4 << 20, name="vhostile", mem=None, hugetlb=False):
        self.ch = channel
        span = (16 * queue_size + 6 + 2 * queue_size + 64 + 6 + 8 * queue_size + 4095) & ~4095
        buf_len = 2048
        end = 2 * span + 2 * queue_size * buf_len
        if end > Frontend.SCRATCH:
            mem_size = max(mem_size, end + (1 << 20))
        self.mem = mem or GuestMemory(mem_size, name=name, hugetlb=hugetlb)
        self.rx = SplitRing(self.mem, 0, queue_size, 0, 2 * span, buf_len)
        self.tx = SplitRing(self.mem, 1, queue_size, span, 2 * span + queue_size * buf_len, buf_len)
        self.features = 0
        self.protocol = 0
        self.fds = []
        self.mac = b"\x02\x00\x00\x00\x00\x01"

    def new_eventfd(self):
        fd = eventfd()
        self.fds.append(fd)
        return fd

    def negotiate_features(self, want=F_VERSION_1, want_protocol=P_REPLY_ACK):
        """SET_OWNER, GET/SET_FEATURES and, if offered, GET/SET_PROTOCOL_FEATURES (vhost-user spec, "Starting")."""
        ch = self.ch
        ch.send(SET_OWNER)
        offered = ch.call_u64(GET_FEATURES)
        self.features = offered & (want | F_PROTOCOL_FEATURES)
        if offered & F_PROTOCOL_FEATURES:
            self.protocol = ch.call_u64(GET_PROTOCOL_FEATURES) & want_protocol
            ch.send(SET_PROTOCOL_FEATURES, u64(self.protocol))
        ch.send(SET_FEATURES, u64(self.features))
        return offered

    def set_mem_table(self):
        self.ch.send(SET_MEM_TABLE, mem_table([self.mem.region()]), [self.mem.fd])

    def setup_ring(self, ring, base=0, kick=True):
        ch = self.ch
        ch.send(SET_VRING_NUM, vring_state(ring.index, ring.size))
        ch.send(SET_VRING_BASE, vring_state(ring.index, base))
        ch.send(SET_VRING_ADDR, ring.addr_payload())
        ring.call_fd = self.new_eventfd()
        ch.send(SET_VRING_CALL, u64(ring.index), [ring.call_fd])
        if kick:
            ring.kick_fd = self.new_eventfd()
            ch.send(SET_VRING_KICK, u64(ring.index), [ring.kick_fd])

    def enable(self, ring, on=True):
        if self.features & F_PROTOCOL_FEATURES:
            self.ch.send(SET_VRING_ENABLE, vring_state(ring.index, 1 if on else 0))

    def start(self, want=F_VERSION_1, want_protocol=P_REPLY_ACK, base=0, post_rx=True):
        """The whole start-up of one queue pair; the rx ring is filled with buffers unless post_rx is False."""
        self.negotiate_features(want, want_protocol)
        self.set_mem_table()
        for ring in (self.rx, self.tx):
            ring.set_base(base)
            self.mem.w16(ring.used + 2, base)  # a driver resuming at base has seen base buffers used
        if post_rx:
            self.rx.post_receive()
        for ring in (self.rx, self.tx):
            self.setup_ring(ring, base)
            self.enable(ring)
        self.sync()
        return self

    def sync(self, timeout=5.0):
        """A round trip (GET_FEATURES) so every request sent before has been handled."""
        return self.ch.call_u64(GET_FEATURES, timeout=timeout)

    def send_frame(self, data):
        ok = self.tx.transmit(data)
        self.tx.kick()
        return ok

    def receive(self):
        frames = self.rx.receive()
        self.rx.kick()
        return frames

    def close(self):
        self.ch.close()
        for fd in self.fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self.fds = []
        self.mem.close()
