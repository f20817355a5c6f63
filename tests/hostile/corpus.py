"""The hostile corpus: each case is a function of a Ctx (see hostile.py) that attacks the port under test and may leave
its connection open; the driver then checks that the back-end survived (alive, bystanders forward, a fresh front-end
works, nothing leaked). A case fails on its own only where a correct back-end has no choice (a legitimate but unusual
front-end must work); otherwise it notes what the back-end did.

References: vhost-user spec (QEMU docs/interop/vhost-user.rst), VIRTIO 1.2 section 2.7 (split virtqueues).
"""

import fcntl
import os
import random
import select
import socket
import struct
import tempfile
import threading
import time

import vhostuser as vu
from vhostuser import (ADD_MEM_REG, DESC_INDIRECT, DESC_NEXT, DESC_WRITE, F_EVENT_IDX, F_INDIRECT_DESC, F_LOG_ALL,
                       F_MRG_RXBUF, F_PROTOCOL_FEATURES, F_VERSION_1, FLAG_NEED_REPLY, FLAG_REPLY, GET_FEATURES,
                       GET_PROTOCOL_FEATURES, GET_QUEUE_NUM, GET_VRING_BASE, LAST_REQUEST, LOG, NET_SET_MTU,
                       P_CONFIGURE_MEM_SLOTS, P_LOG_SHMFD, P_REPLY_ACK, REM_MEM_REG, RESET_OWNER, SEND_RARP,
                       SET_BACKEND_REQ_FD, SET_FEATURES, SET_LOG_BASE, SET_LOG_FD, SET_MEM_TABLE, SET_OWNER,
                       SET_PROTOCOL_FEATURES, SET_STATUS, SET_VRING_ADDR, SET_VRING_BASE, SET_VRING_CALL,
                       SET_VRING_ENABLE, SET_VRING_ERR, SET_VRING_KICK, SET_VRING_NUM, VERSION, mem_table, region, u64,
                       vring_addr, vring_state)

BOTH = ("server", "client")
SERVER = ("server",)

F_SEAL_WRITE, F_SEAL_FUTURE_WRITE, F_ADD_SEALS = 0x8, 0x10, 1033
UADDR = 0x7F0000000000


class Case:
    def __init__(self, fn, group, modes, pending):
        self.fn, self.group, self.modes, self.pending = fn, group, modes, pending
        self.name = fn.__name__
        self.doc = " ".join((fn.__doc__ or "").split())


_CASES = []


def case(group, modes=SERVER, pending=None):
    def register(fn):
        _CASES.append(Case(fn, group, modes, pending))
        return fn
    return register


def all_cases():
    return list(_CASES)


# ---------------------------------------------------------------- helpers

def payload_for(request):
    """A payload of the size the spec gives each request, with plausible values."""
    addr = vring_addr(0, UADDR, UADDR + 0x2000, UADDR + 0x1000)
    table = {
        SET_FEATURES: u64(F_VERSION_1), SET_MEM_TABLE: mem_table([region(0, 1 << 20, UADDR)]),
        SET_LOG_BASE: LOG.pack(4096, 0), SET_VRING_NUM: vring_state(0, 256), SET_VRING_ADDR: addr,
        SET_VRING_BASE: vring_state(0, 0), GET_VRING_BASE: vring_state(0, 0), SET_VRING_KICK: u64(0),
        SET_VRING_CALL: u64(0), SET_VRING_ERR: u64(0), SET_PROTOCOL_FEATURES: u64(0), SET_VRING_ENABLE: vring_state(0, 1),
        SEND_RARP: u64(0x010000000002), NET_SET_MTU: u64(1500), 22: bytes(40), 23: vring_state(0, 0),
        24: struct.pack("=III", 0, 8, 0) + bytes(8), 25: struct.pack("=III", 0, 8, 0) + bytes(8), 26: bytes(64),
        27: u64(1), 31: struct.pack("=QQHH", 0, 0, 1, 256) + bytes(4), 32: struct.pack("=QQHH", 4096, 0, 1, 256) + bytes(4),
        35: vring_state(0, 0), ADD_MEM_REG: u64(0) + region(0, 1 << 20, UADDR), REM_MEM_REG: u64(0) + region(0, 1 << 20, UADDR),
        SET_STATUS: u64(0),
    }
    return table.get(request, b"")


FD_REQUESTS = {SET_MEM_TABLE: 1, SET_LOG_BASE: 1, SET_LOG_FD: 1, SET_VRING_KICK: 1, SET_VRING_CALL: 1, SET_VRING_ERR: 1,
               SET_BACKEND_REQ_FD: 1, 32: 1, 33: 1, ADD_MEM_REG: 1, REM_MEM_REG: 1}
EVERY_REQUEST = list(range(0, LAST_REQUEST + 2)) + [99, 0x7FFFFFFF, 0xFFFFFFFF]


def spare_fds(ctx, n):
    """n fds of distinct pipes (their identities are tracked, so a kept one shows as a leak)."""
    out = []
    for _ in range(n):
        r, _w = ctx.pipe()
        out.append(r)
    return out


def tmpdir(ctx):
    d = tempfile.mkdtemp(prefix="vhostile-")
    ctx.keep(lambda: _rmtree(d))
    return d


def _rmtree(d):
    for name in os.listdir(d):
        os.unlink(os.path.join(d, name))
    os.rmdir(d)


def fill_nonblocking(fd, chunk=b"\x01" * 4096):
    """Fills a pipe or socket to the brim, then makes it blocking again (the file status flag is shared with the peer)."""
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)
    try:
        while True:
            os.write(fd, chunk)
    except BlockingIOError:
        pass
    for size in (512, 64, 8, 1):
        try:
            while True:
                os.write(fd, chunk[:size])
        except BlockingIOError:
            pass
    fcntl.fcntl(fd, fcntl.F_SETFL, flags)


def wrong_fd(ctx, kind):
    """An fd of a kind no back-end should take for guest memory or a notifier."""
    if kind == "directory":
        return ctx.open(tmpdir(ctx), os.O_RDONLY | os.O_DIRECTORY)
    if kind == "pipe_read":
        return ctx.pipe()[0]
    if kind == "pipe_write":
        return ctx.pipe()[1]
    if kind == "pipe_write_end_closed":
        r, w = os.pipe2(os.O_CLOEXEC)
        os.close(w)
        return ctx.own(r)
    if kind == "pipe_read_end_closed":
        r, w = os.pipe2(os.O_CLOEXEC)
        os.close(r)
        return ctx.own(w)
    if kind == "pipe_full":
        _r, w = ctx.pipe()
        fill_nonblocking(w)
        return w
    if kind == "socket":
        return ctx.socketpair()[0].fileno()
    if kind == "socket_full":
        a, _b = ctx.socketpair()
        fill_nonblocking(a.fileno())
        return a.fileno()
    if kind == "listening_socket":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(os.path.join(tmpdir(ctx), "l.sock"))
        s.listen(1)
        ctx.keep(s.close)
        return ctx.track(s.fileno())
    if kind == "dev_zero":
        return ctx.open("/dev/zero", os.O_RDWR)
    if kind == "dev_null":
        return ctx.open("/dev/null", os.O_RDWR)
    if kind in ("file_read_only", "file_write_only", "file_o_path", "file_too_small"):
        path = os.path.join(tmpdir(ctx), "f")
        with open(path, "wb") as f:
            f.truncate(4096 if kind == "file_too_small" else 4 << 20)
        flags = {"file_read_only": os.O_RDONLY, "file_write_only": os.O_WRONLY, "file_o_path": os.O_PATH,
                 "file_too_small": os.O_RDWR}[kind]
        return ctx.open(path, flags)
    if kind == "epoll":
        ep = select.epoll()
        ctx.keep(ep.close)
        return ctx.track(ep.fileno())
    if kind == "eventfd_blocking_at_max":
        fd = ctx.eventfd(blocking=True)
        os.eventfd_write(fd, 0xFFFFFFFFFFFFFFFE)  # the largest count: one more write blocks
        return fd
    if kind in ("memfd_sealed_write", "memfd_sealed_future_write"):
        m = ctx.memory(4 << 20)
        fcntl.fcntl(m.fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE if kind.endswith("future_write") else 0)
        if kind == "memfd_sealed_write":
            m.map.close()  # F_SEAL_WRITE needs no writable mapping
            fcntl.fcntl(m.fd, F_ADD_SEALS, F_SEAL_WRITE)
        return m.fd
    if kind == "memfd_read_only":
        m = ctx.memory(4 << 20)
        return ctx.open(f"/proc/self/fd/{m.fd}", os.O_RDONLY)
    raise ValueError(kind)


MEMORY_KINDS = ["directory", "pipe_read", "pipe_write", "socket", "listening_socket", "dev_zero", "dev_null",
                "file_read_only", "file_write_only", "file_o_path", "file_too_small", "epoll", "eventfd_blocking_at_max",
                "memfd_sealed_write", "memfd_sealed_future_write", "memfd_read_only"]


def post_chain(ring, descs, heads=None, idx=None, kick=True):
    """Writes descriptors {index: (addr, len, flags, next)} and makes heads available (default: the first index)."""
    for i, (addr, length, flags, nxt) in descs.items():
        ring.write_desc(i, addr, length, flags, nxt)
    for h in heads if heads is not None else [min(descs)]:
        ring.push_head(h)
    ring.publish(idx)
    if kick:
        ring.kick()


def running(ctx, want=F_VERSION_1, protocol=P_REPLY_ACK, post_rx=True, **kw):
    """A correct session with one queue pair running, which has passed one frame (so the back-end polls it)."""
    fe = ctx.frontend(start={"want": want, "want_protocol": protocol, "post_rx": post_rx}, **kw)
    fe.sync()
    fe.send_frame(vu.frame(b"\xff" * 6, fe.mac, b"hello"))
    deadline = time.monotonic() + 5
    while fe.tx.in_flight() and time.monotonic() < deadline:
        time.sleep(0.002)
    return fe


def blast(ctx, fe, frames=64, toward=64):
    """Traffic both ways through the attacked port: frames from it, frames toward it."""
    for i in range(frames):
        fe.send_frame(vu.frame(b"\xff" * 6, fe.mac, b"blast%d" % i))
        if i % 32 == 31:
            fe.receive()
    ctx.toward_victim(toward)
    time.sleep(0.05)


# ---------------------------------------------------------------- framing

@case("framing", BOTH)
def eof_inside_header(ctx):
    """Five bytes of a header, then the connection closes."""
    ctx.connect().send_raw(b"\x01\x00\x00\x00\x01")


@case("framing", BOTH)
def eof_inside_payload(ctx):
    """SET_MEM_TABLE header promising 40 bytes, 3 sent with its fd, then close."""
    m = ctx.memory(1 << 20)
    ctx.connect().send_raw(vu.HEADER.pack(SET_MEM_TABLE, VERSION, 40) + b"\x01\x00\x00", [m.fd])


@case("framing", BOTH)
def bad_version_and_flags(ctx):
    """Headers with version 0, 2 and 3, unknown flag bits, and the reply flag on a request."""
    for flags in (0, 2, 3, VERSION | 0x10, VERSION | 0x80000000, VERSION | FLAG_REPLY):
        ch = ctx.connect()
        ch.send(GET_FEATURES, flags=flags)
        ctx.closed(ch, 1.0)
        ch.close()
        if ctx.client:
            break


@case("framing", BOTH)
def oversized_payloads(ctx):
    """Payload sizes 0xffffffff, 4109 and 1 MiB declared, then 1 MiB of junk sent."""
    for size in (0xFFFFFFFF, 4096 + 13, 1 << 20):
        ch = ctx.connect()
        ch.send(SET_MEM_TABLE, b"", size=size)
        ch.sock.setblocking(False)
        try:
            ch.sock.send(bytes(1 << 20))
        except OSError:
            pass
        ctx.closed(ch, 1.0)
        ch.close()
        if ctx.client:
            break


@case("framing")
def payload_sizes_that_lie(ctx):
    """Every fixed-size request with a payload 1 byte short, 1 byte long, and empty."""
    for request in (SET_FEATURES, SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE, SET_VRING_KICK,
                    SET_LOG_BASE, SET_PROTOCOL_FEATURES, SET_VRING_ENABLE, NET_SET_MTU, ADD_MEM_REG, SET_STATUS):
        good = payload_for(request)
        for p in (good[:-1], good + b"\x00", b""):
            ch = ctx.connect()
            ch.send(request, p, flags=VERSION | FLAG_NEED_REPLY)
            ctx.closed(ch, 0.3)
            ch.close()


@case("framing", BOTH)
def unknown_and_unsupported_requests(ctx):
    """Requests 0, 22-35, 41, 99, 0x7fffffff, 0xffffffff with need-reply, in one session, then a valid GET_FEATURES."""
    ch = ctx.connect()
    ch.send(SET_OWNER)
    ch.send(SET_PROTOCOL_FEATURES, u64(P_REPLY_ACK))
    for request in [0] + list(range(22, 36)) + [41, 99, 0x7FFFFFFF, 0xFFFFFFFF]:
        ch.send(request, payload_for(request), flags=VERSION | FLAG_NEED_REPLY)
    try:
        while True:
            ch.recv(0.3)
    except (vu.NoReply, vu.PeerClosed):
        pass
    if not ch.peer_closed:
        try:
            ch.call_u64(GET_FEATURES, timeout=2)
            ctx.note("answered GET_FEATURES afterwards")
        except (vu.NoReply, vu.PeerClosed):
            pass
    ctx.closed(ch, 0.2)


@case("framing", BOTH)
def random_garbage(ctx):
    """Sessions of seeded random bytes, some with fds attached."""
    rng = random.Random(12)
    for _ in range(ctx.scaled(40, 3)):
        ch = ctx.connect()
        fds = spare_fds(ctx, rng.randint(1, 3)) if rng.random() < 0.3 else []
        ch.send_raw(bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 600))), fds)
        ch.wait_closed(0.1)
        ch.close()


@case("framing", BOTH)
def negotiation_byte_by_byte(ctx):
    """A correct negotiation written one byte per send (fds with the first byte): the port must come up and forward."""
    ch = ctx.connect()
    real_send_raw = ch.send_raw

    def trickle(data, fds=()):
        for i in range(len(data)):
            if not real_send_raw(data[i:i + 1], fds if i == 0 else ()):
                return False
        return True
    ch.send_raw = trickle
    fe = vu.Frontend(ch, name="vhostile-case")
    ctx.track(fe.mem.fd)
    ctx.keep(fe.close)
    fe.mac = b"\x02\x00\x00\x00\x0a\x01"
    fe.start()
    ctx.expect(ctx.driver.probe_frontend(fe, ctx.mode, 20), "a correct front-end sending byte by byte did not forward")


@case("framing")
def negotiation_coalesced(ctx):
    """All fd-less requests of a negotiation in one send, replies read afterwards: the port must come up and forward."""
    ch = ctx.connect()
    fe = vu.Frontend(ch, name="vhostile-case")
    ctx.track(fe.mem.fd)
    ctx.keep(fe.close)
    fe.mac = b"\x02\x00\x00\x00\x0a\x01"
    burst = b"".join(vu.HEADER.pack(r, VERSION, len(p)) + p for r, p in [
        (SET_OWNER, b""), (GET_FEATURES, b""), (GET_PROTOCOL_FEATURES, b""), (SET_PROTOCOL_FEATURES, u64(0)),
        (SET_FEATURES, u64(F_VERSION_1 | F_PROTOCOL_FEATURES)), (GET_QUEUE_NUM, b"")])
    ch.send_raw(burst)
    for _ in range(3):
        ch.recv(5)
    fe.features = F_VERSION_1 | F_PROTOCOL_FEATURES
    fe.set_mem_table()
    fe.rx.post_receive()
    for ring in (fe.rx, fe.tx):
        fe.setup_ring(ring)
        fe.enable(ring)
    ctx.expect(ctx.driver.probe_frontend(fe, ctx.mode, 20), "a correct front-end with coalesced requests did not forward")


@case("framing")
def fds_with_the_payload_not_the_header(ctx):
    """SET_VRING_CALL whose fd arrives with the payload bytes (a second sendmsg), then with no message at all."""
    fe = running(ctx)
    fd = ctx.eventfd()
    fe.ch.send_raw(vu.HEADER.pack(SET_VRING_CALL, VERSION, 8))
    fe.ch.send_raw(u64(0), [fd])
    fe.ch.send_raw(b"\x0c", spare_fds(ctx, 2))
    ctx.closed(fe.ch, 1.0)


# ---------------------------------------------------------------- floods

@case("floods", BOTH)
def flood_requests_reading_replies(ctx):
    """20000 GET_FEATURES and GET_QUEUE_NUM, pipelined 100 at a time, every reply read."""
    ch = ctx.connect()
    ch.send(SET_OWNER)
    for _ in range(ctx.scaled(200, 50)):
        ch.send_raw(b"".join(vu.HEADER.pack(GET_FEATURES if i % 2 else GET_QUEUE_NUM, VERSION, 0) for i in range(100)))
        for _ in range(100):
            ch.recv(10)


@case("floods", BOTH)
def flood_requests_never_reading(ctx):
    """GET_FEATURES sent until the socket stays full for half a second; no reply read, connection held open."""
    ch = ctx.connect()
    ch.sock.setblocking(False)
    msg = vu.HEADER.pack(GET_FEATURES, VERSION, 0) * 512
    stuck_since, sent = None, 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            sent += ch.sock.send(msg)
            stuck_since = None
        except BlockingIOError:
            stuck_since = stuck_since or time.monotonic()
            if time.monotonic() - stuck_since > 0.5:
                break
            time.sleep(0.01)
        except OSError:
            break
    ctx.note(f"{sent // 12} requests queued before the socket filled")


@case("floods")
def flood_fd_carrying_requests(ctx):
    """5000 SET_VRING_CALL with a fresh eventfd each and 5000 SET_BACKEND_REQ_FD with a fresh pipe, never reading."""
    fe = running(ctx)
    for i in range(2500):
        fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        ctx.track(fd)
        fe.ch.send(SET_VRING_CALL, u64(i % 2), [fd])
        os.close(fd)
        r, w = os.pipe2(os.O_CLOEXEC)
        ctx.track(r)
        fe.ch.send(SET_BACKEND_REQ_FD, b"", [r])
        os.close(r)
        os.close(w)
    fe.sync(20)
    blast(ctx, fe)


@case("floods")
def flood_memory_tables_while_running(ctx):
    """300 SET_MEM_TABLE, each a fresh memfd with the same layout, while frames flow both ways."""
    fe = running(ctx)
    for i in range(300):
        m = vu.GuestMemory(fe.mem.size, name="vhostile-case")
        ctx.track(m.fd)
        m.map[:] = fe.mem.map[:]  # same content: the rings keep working
        fe.ch.send(SET_MEM_TABLE, mem_table([m.region()]), [m.fd])
        m.close()
        if i % 10 == 0:
            fe.send_frame(vu.frame(b"\xff" * 6, fe.mac, b"t%d" % i))
            ctx.toward_victim(4)
    fe.sync(30)


@case("floods")
def flood_kicks_and_frames(ctx):
    """100000 kicks and 20000 frames from the attacked port, its receive ring never refilled."""
    fe = running(ctx)
    for _ in range(100000):
        os.eventfd_write(fe.tx.kick_fd, 1)
    sent = 0
    deadline = time.monotonic() + 5
    while sent < 20000 and time.monotonic() < deadline:
        if fe.send_frame(vu.frame(b"\xff" * 6, fe.mac, b"f")):
            sent += 1
    ctx.toward_victim(2000)
    ctx.note(f"{sent} frames sent")


@case("floods")
def flood_rarp_and_mtu(ctx):
    """3000 SEND_RARP, NET_SET_MTU and SET_STATUS with odd values."""
    ch = ctx.connect()
    ch.send(SET_OWNER)
    for i in range(1000):
        ch.send(SEND_RARP, u64(0x010000000002 + i))
        ch.send(NET_SET_MTU, u64((i * 977) % 70000))
        ch.send(SET_STATUS, u64(i % 300))
    try:
        ch.call_u64(GET_FEATURES, timeout=5)
    except (vu.NoReply, vu.PeerClosed):
        pass
    ctx.closed(ch, 0.2)


# ---------------------------------------------------------------- fds

def extra_fds_session(ctx, request, extra, prelude=None):
    ch = ctx.connect()
    if prelude:
        prelude(ch)
    need = FD_REQUESTS.get(request, 0)
    fds = spare_fds(ctx, need + extra)
    ch.send(request, payload_for(request), fds, flags=VERSION | FLAG_NEED_REPLY)
    ch.wait_closed(0.15)
    ch.close()


@case("fds", BOTH)
def extra_fds_on_every_request(ctx):
    """Every request number (0-41 and a few wild ones) with one fd more than it may carry."""
    requests = EVERY_REQUEST if not ctx.client else [SET_FEATURES, SET_MEM_TABLE, SET_VRING_KICK, GET_FEATURES, 99]
    for request in requests:
        extra_fds_session(ctx, request, 1)


@case("fds")
def eight_fds_on_every_request(ctx):
    """Every request number with eight fds more than it may carry."""
    for request in EVERY_REQUEST:
        extra_fds_session(ctx, request, 8)


@case("fds")
def extra_fds_on_every_request_in_a_running_session(ctx):
    """In a session with rings running: every request with one fd too many, each in its own session."""
    def prelude(ch):
        fe = vu.Frontend(ch, name="vhostile-case")
        ctx.track(fe.mem.fd)
        ctx.keep(fe.close)
        fe.start()
        for r in (fe.rx, fe.tx):
            ctx.track(r.call_fd)
            ctx.track(r.kick_fd)
    for request in range(1, LAST_REQUEST + 1):
        extra_fds_session(ctx, request, 1, prelude)


@case("fds", BOTH)
def max_fds_in_one_message(ctx):
    """One message carrying 253 fds (the kernel's SCM_MAX_FD), then one carrying 64."""
    for n in (253, 64):
        ch = ctx.connect()
        ch.send(SET_VRING_CALL, u64(0), spare_fds(ctx, n))
        ctx.closed(ch, 1.0)
        ch.close()
        if ctx.client:
            break


@case("fds", BOTH)
def missing_fds(ctx):
    """Requests that need an fd sent without one; the no-fd flag with an fd attached; a table with fewer fds than regions."""
    m = ctx.memory(2 << 20)
    two = mem_table([m.region(size=1 << 20), m.region(gpa=1 << 20, uaddr=UADDR + (1 << 20), offset=1 << 20, size=1 << 20)])
    attempts = [(r, payload_for(r), []) for r in (SET_MEM_TABLE, SET_LOG_BASE, SET_LOG_FD, SET_VRING_KICK, SET_VRING_CALL,
                                                   SET_VRING_ERR, SET_BACKEND_REQ_FD, ADD_MEM_REG)]
    attempts += [(SET_VRING_KICK, u64(vu.NO_FD), spare_fds(ctx, 1)), (SET_MEM_TABLE, two, [m.fd]),
                 (SET_MEM_TABLE, mem_table([m.region()]), [m.fd, m.fd])]
    if ctx.client:
        attempts = attempts[:1] + attempts[-3:-2]
    for request, p, fds in attempts:
        ch = ctx.connect()
        ch.send(SET_OWNER)
        ch.send(SET_PROTOCOL_FEATURES, u64(P_LOG_SHMFD | P_CONFIGURE_MEM_SLOTS))
        ch.send(request, p, fds)
        ctx.closed(ch, 0.3)
        ch.close()


@case("fds", BOTH)
def wrong_fd_kinds_for_memory(ctx):
    """SET_MEM_TABLE, ADD_MEM_REG and SET_LOG_BASE with fds of every wrong kind (directory, pipe, socket, /dev/zero,
    read-only file, O_PATH, epoll, sealed memfd, ...)."""
    kinds = MEMORY_KINDS if not ctx.client else ["directory", "dev_zero", "memfd_sealed_write"]
    for kind in kinds:
        for request in (SET_MEM_TABLE, ADD_MEM_REG, SET_LOG_BASE):
            ch = ctx.connect()
            ch.send(SET_OWNER)
            ch.call_u64(GET_FEATURES)
            ch.send(SET_PROTOCOL_FEATURES, u64(P_LOG_SHMFD | P_CONFIGURE_MEM_SLOTS | P_REPLY_ACK))
            ch.send(SET_FEATURES, u64(F_VERSION_1 | F_PROTOCOL_FEATURES | F_LOG_ALL))
            fd = wrong_fd(ctx, kind)
            if request == SET_MEM_TABLE:
                ch.send(request, mem_table([region(0, 4 << 20, UADDR)]), [fd])
            elif request == ADD_MEM_REG:
                ch.send(request, u64(0) + region(0, 4 << 20, UADDR), [fd])
            else:
                ch.send(request, LOG.pack(4096, 0), [fd])
            ctx.closed(ch, 0.3)
            ch.close()
            if ctx.client:
                break


def notifier_case(ctx, which, kind):
    """A running session whose ring notifier (call or kick on both rings) is replaced by an fd of the given kind,
    then traffic both ways (so the datapath signals or waits on it)."""
    fe = running(ctx)
    fd = wrong_fd(ctx, kind)
    request = SET_VRING_CALL if which == "call" else SET_VRING_KICK if which == "kick" else SET_VRING_ERR
    for ring in (0, 1):
        fe.ch.send(request, u64(ring), [fd])
    try:
        fe.sync(5)
    except (vu.NoReply, vu.PeerClosed) as e:
        ctx.note(f"no answer after the {which} fd: {e}")
        return
    if which == "kick":
        time.sleep(0.3)  # let an adaptive datapath go to sleep on its kick fds
        try:
            os.write(fd, b"\x01" * 8)
        except OSError:
            pass
    blast(ctx, fe, 256, 256)


for _which, _kinds in (("call", ["directory", "pipe_read", "pipe_read_end_closed", "dev_null", "file_read_only",
                                 "file_o_path", "socket", "epoll"]),
                       ("kick", ["directory", "pipe_write_end_closed", "listening_socket", "dev_zero", "file_o_path",
                                 "epoll"]),
                       ("err", ["directory", "pipe_full", "dev_zero", "file_o_path"])):
    for _kind in _kinds:
        def _make(which=_which, kind=_kind):
            def fn(ctx):
                notifier_case(ctx, which, kind)
            fn.__name__ = f"{which}_fd_{kind}"
            fn.__doc__ = f"A running session whose {which} fds are a {kind.replace('_', ' ')}, then traffic both ways."
            return fn
        case("fds")(_make())



@case("fds")
def kick_fd_replaced_while_the_datapath_sleeps(ctx):
    """A correct eventfd kick is replaced while the adaptive datapath sleeps on it; the front-end keeps its old eventfd
    and signals it. The switch closed its copy while it was registered in epoll, so the registration outlives the fd
    (the file lives on in the front-end): an idle datapath must still go back to sleep (under 10% of a core)."""
    fe = running(ctx)
    old = fe.tx.kick_fd
    time.sleep(0.5)  # the datapath goes to sleep with the old kick fd registered
    fe.tx.kick_fd = ctx.eventfd()
    fe.ch.send(SET_VRING_KICK, u64(1), [fe.tx.kick_fd])
    fe.sync()
    os.eventfd_write(old, 1)  # the old registration fires; nobody can drain it through the closed fd
    time.sleep(0.5)
    pid = ctx.driver.pid
    import procfs  # noqa: PLC0415
    c0, t0 = procfs.cpu_seconds(pid), time.monotonic()
    time.sleep(2)
    busy = (procfs.cpu_seconds(pid) - c0) / (time.monotonic() - t0)
    ctx.note(f"idle datapath used {busy * 100:.0f}% of a core")
    ctx.expect(busy < 0.1, f"an idle switch used {busy * 100:.0f}% of a core after a kick fd was replaced")


@case("fds")
def call_fd_pipe_full(ctx):
    """Call fds of both rings are a pipe whose buffer is full: a blocking write would stall the datapath."""
    notifier_case(ctx, "call", "pipe_full")


@case("fds")
def kick_fd_pipe_read(ctx):
    """A running session whose kick fds are the read end of an empty blocking pipe, then traffic both ways. A stale
    epoll registration of the replaced kick eventfd can make the sleeping datapath read this pipe and block."""
    notifier_case(ctx, "kick", "pipe_read")


@case("fds")
def kick_fd_socket(ctx):
    """A running session whose kick fds are a blocking socket with nothing to read, then traffic both ways."""
    notifier_case(ctx, "kick", "socket")


@case("fds")
def call_fd_socket_full(ctx):
    """Call fds are a socket whose send buffer is full."""
    notifier_case(ctx, "call", "socket_full")


@case("fds")
def call_fd_eventfd_at_max(ctx):
    """Call fds are a blocking eventfd whose counter is at its maximum: the next write blocks."""
    notifier_case(ctx, "call", "eventfd_blocking_at_max")


@case("fds")
def kick_fd_blocking_eventfd_shared(ctx):
    """The same blocking eventfd is the kick of two transmit rings (two queue pairs): one kick makes it readable twice
    in one epoll wait, and the second read would block."""
    fe = ctx.frontend(start=False)
    fe.negotiate_features(F_VERSION_1 | vu.F_MQ, P_REPLY_ACK | vu.P_MQ)
    fe.set_mem_table()
    fe.rx.post_receive()
    for ring in (fe.rx, fe.tx):
        fe.setup_ring(ring)
        fe.enable(ring)
        ctx.track(ring.call_fd)
        ctx.track(ring.kick_fd)
    shared = ctx.eventfd(blocking=True)
    second = vu.SplitRing(fe.mem, 3, 64, 0x30000, 0x380000, 1024)
    fe.ch.send(SET_VRING_NUM, vring_state(3, 64))
    fe.ch.send(SET_VRING_BASE, vring_state(3, 0))
    fe.ch.send(SET_VRING_ADDR, second.addr_payload())
    fe.ch.send(SET_VRING_KICK, u64(3), [shared])
    fe.ch.send(SET_VRING_KICK, u64(1), [shared])
    fe.enable(second)
    fe.sync()
    time.sleep(0.5)  # the datapath goes to sleep on both kick fds
    os.eventfd_write(shared, 1)
    time.sleep(0.2)


# ---------------------------------------------------------------- memory tables that lie

def table_session(ctx, payload, fds, features=F_VERSION_1, protocol=0):
    ch = ctx.connect()
    ch.send(SET_OWNER)
    ch.call_u64(GET_FEATURES)
    ch.send(SET_PROTOCOL_FEATURES, u64(protocol | P_REPLY_ACK))
    ch.send(SET_FEATURES, u64(features | F_PROTOCOL_FEATURES))
    ch.send(SET_MEM_TABLE, payload, fds, flags=VERSION | FLAG_NEED_REPLY)
    try:
        status = vu.U64.unpack(ch.recv(2)[2][:8])[0]
        ctx.note("refused" if status else "accepted")
    except (vu.NoReply, vu.PeerClosed, struct.error):
        pass
    ch.wait_closed(0.2)
    return ch


@case("memory", BOTH)
def table_counts_that_lie(ctx):
    """Region count 0, 9 and 255; count 2 with one region's payload; count 1 with two regions' payload."""
    m = ctx.memory(1 << 20)
    r = m.region()
    variants = [(mem_table([], count=0), []), (mem_table([r] * 9), [m.fd] * 8), (mem_table([r], count=255), [m.fd]),
                (mem_table([r], count=2), [m.fd]), (mem_table([r, r], count=1), [m.fd]), (mem_table([r], padding=7), [m.fd])]
    for p, fds in (variants if not ctx.client else variants[:2]):
        table_session(ctx, p, fds).close()


@case("memory", BOTH)
def table_sizes_and_offsets_that_lie(ctx):
    """Regions of size 0, larger than the file, at an offset past the file, wrapping guest, user and offset space."""
    m = ctx.memory(1 << 20)
    big = 0xFFFFFFFFFFFFF000
    variants = [m.region(size=0), m.region(size=2 << 20), m.region(offset=4 << 20), m.region(offset=big, size=8192),
                m.region(gpa=big, size=8192), m.region(uaddr=big, size=8192), m.region(size=0xFFFFFFFFFFFFFFFF),
                m.region(offset=(1 << 20) - 4096, size=8192), m.region(size=4097, gpa=1, uaddr=UADDR + 3)]
    for r in (variants if not ctx.client else variants[1:3]):
        table_session(ctx, mem_table([r]), [m.fd]).close()


@case("memory")
def table_regions_that_overlap(ctx):
    """Two regions overlapping in guest-physical space, then in user space, then identical."""
    m = ctx.memory(2 << 20)
    a = m.region(size=1 << 20)
    for b in (m.region(gpa=1 << 19, uaddr=UADDR + (4 << 20), offset=1 << 20, size=1 << 20),
              m.region(gpa=8 << 20, uaddr=UADDR + (1 << 19), offset=1 << 20, size=1 << 20), a):
        table_session(ctx, mem_table([a, b]), [m.fd, m.fd]).close()


@case("memory")
def table_huge_sparse_regions(ctx):
    """Eight regions of 4 TiB each (sparse memfds): 32 TiB of address space asked to be mapped."""
    mems = []
    for i in range(8):
        m = vu.GuestMemory(4096, name="vhostile-case")
        os.ftruncate(m.fd, 4 << 40)
        ctx.track(m.fd)
        ctx.keep(m.close)
        mems.append(m)
    regions = [region(i << 42, 4 << 40, UADDR + (i << 42)) for i in range(8)]
    ch = table_session(ctx, mem_table(regions), [m.fd for m in mems])
    ctx.keep(ch.close)


@case("memory")
def table_eight_regions_one_file(ctx):
    """A legitimate table of eight regions from one memfd at different offsets (accepted or refused, never fatal)."""
    m = ctx.memory(8 << 20)
    regions = [region(i << 20, 1 << 20, UADDR + (i << 21), i << 20) for i in range(8)]
    ch = table_session(ctx, mem_table(regions), [m.fd] * 8)
    ctx.keep(ch.close)


@case("memory")
def table_hugetlbfs_region(ctx):
    """A legitimate front-end whose memory is a 2 MiB hugetlbfs memfd: frames must pass."""
    try:
        probe = vu.GuestMemory(2 << 20, name="vhostile-case", hugetlb=True)
        probe.close()
    except OSError as e:
        ctx.note(f"no hugepage memfd here ({e}): ran with 4 KiB pages")
        fe = ctx.frontend(start=False)
    else:
        fe = ctx.frontend(start=False, mem=vu.GuestMemory(4 << 20, name="vhostile-case", hugetlb=True))
        ctx.track(fe.mem.fd)
    fe.start()
    ctx.expect(ctx.driver.probe_frontend(fe, ctx.mode, 20), "a front-end with hugepage memory did not forward")


@case("memory")
def mem_slots_abuse(ctx):
    """ADD_MEM_REG beyond the slot count, the same region twice, overlapping; REM_MEM_REG of unknown regions and twice;
    both without CONFIGURE_MEM_SLOTS negotiated."""
    for negotiated in (True, False):
        ch = ctx.connect()
        ch.send(SET_OWNER)
        ch.call_u64(GET_FEATURES)
        ch.send(SET_PROTOCOL_FEATURES, u64(P_CONFIGURE_MEM_SLOTS if negotiated else 0))
        ch.send(SET_FEATURES, u64(F_VERSION_1 | F_PROTOCOL_FEATURES))
        for i in range(12):
            m = ctx.memory(1 << 20)
            ch.send(ADD_MEM_REG, u64(0) + region(i << 20, 1 << 20, UADDR + (i << 20)), [m.fd])
        m = ctx.memory(1 << 20)
        ch.send(ADD_MEM_REG, u64(0) + region(1 << 19, 1 << 20, UADDR + (64 << 20)), [m.fd])
        ch.send(REM_MEM_REG, u64(0) + region(99 << 20, 1 << 20, UADDR))
        ch.send(REM_MEM_REG, u64(0) + region(0, 1 << 20, UADDR))
        ch.send(REM_MEM_REG, u64(0) + region(0, 1 << 20, UADDR))
        ctx.closed(ch, 0.5)
        ch.close()


@case("memory")
def table_replaced_while_running(ctx):
    """Rings running, then a new table whose memory is blank (rings now read zeros), then one that moves guest
    addresses so the rings fall outside; frames keep being sent."""
    fe = running(ctx)
    blank = ctx.memory(fe.mem.size)
    fe.ch.send(SET_MEM_TABLE, mem_table([blank.region()]), [blank.fd])
    blast(ctx, fe)
    moved = ctx.memory(fe.mem.size)
    fe.ch.send(SET_MEM_TABLE, mem_table([moved.region(gpa=1 << 30)]), [moved.fd])
    blast(ctx, fe)


@case("memory")
def region_removed_while_running(ctx):
    """Rings running in memory added with ADD_MEM_REG; the region is removed with REM_MEM_REG and frames keep coming."""
    fe = ctx.frontend(start=False)
    fe.negotiate_features(F_VERSION_1, P_REPLY_ACK | P_CONFIGURE_MEM_SLOTS)
    fe.ch.send(ADD_MEM_REG, u64(0) + fe.mem.region(), [fe.mem.fd])
    fe.rx.post_receive()
    for ring in (fe.rx, fe.tx):
        fe.setup_ring(ring)
        fe.enable(ring)
        ctx.track(ring.call_fd)
        ctx.track(ring.kick_fd)
    fe.sync()
    blast(ctx, fe, 16, 16)
    fe.ch.send(REM_MEM_REG, u64(0) + fe.mem.region())
    blast(ctx, fe)


@case("memory")
def memfd_truncated_while_running(ctx):
    """Rings running, then the front-end shrinks its memfd to zero and keeps kicking: the back-end's next access to
    the mapping raises SIGBUS."""
    fe = running(ctx)
    os.ftruncate(fe.mem.fd, 0)
    for i in range(32):
        fe.tx.kick()
    ctx.toward_victim(64)
    time.sleep(0.3)


@case("memory")
def memfd_truncated_before_kick(ctx):
    """SET_MEM_TABLE, then the memfd shrinks to one page before the rings are kicked (starting them reads the rings)."""
    fe = ctx.frontend(start=False)
    fe.negotiate_features()
    fe.set_mem_table()
    fe.sync()
    os.ftruncate(fe.mem.fd, 4096)
    for ring in (fe.rx, fe.tx):
        fe.setup_ring(ring)
        fe.enable(ring)
        ctx.track(ring.call_fd)
        ctx.track(ring.kick_fd)
    try:
        fe.sync(3)
    except (vu.NoReply, vu.PeerClosed):
        pass


@case("memory")
def memfd_sealed_against_shrinking(ctx):
    """A legitimate front-end that seals its memfd against shrinking and growing: frames must pass."""
    fe = ctx.frontend(start=False)
    fcntl.fcntl(fe.mem.fd, F_ADD_SEALS, 0x2 | 0x4)  # F_SEAL_SHRINK | F_SEAL_GROW
    fe.start()
    ctx.expect(ctx.driver.probe_frontend(fe, ctx.mode, 20), "a front-end with a sealed memfd did not forward")


# ---------------------------------------------------------------- ring index and size edges

@case("rings", BOTH)
def ring_index_out_of_range_everywhere(ctx):
    """Every vring request with ring index 16, 255, 256 and 0xffffffff."""
    fe = ctx.frontend(start=False)
    fe.negotiate_features()
    fe.set_mem_table()
    for index in ((16, 255, 256, 0xFFFFFFFF) if not ctx.client else (255,)):
        for request, p in ((SET_VRING_NUM, vring_state(index, 256)), (SET_VRING_BASE, vring_state(index, 0)),
                           (SET_VRING_ADDR, vring_addr(index, UADDR, UADDR + 0x2000, UADDR + 0x1000)),
                           (GET_VRING_BASE, vring_state(index, 0)), (SET_VRING_ENABLE, vring_state(index, 1)),
                           (SET_VRING_KICK, u64(index)), (SET_VRING_CALL, u64(index)), (SET_VRING_ERR, u64(index))):
            fe.ch.send(request, p, [ctx.eventfd()] if request in (SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR) else [])
        if fe.ch.peer_closed:
            fe = ctx.frontend(start=False)
            fe.negotiate_features()
            fe.set_mem_table()
    ctx.closed(fe.ch, 0.3)


@case("rings")
def ring_sizes_at_the_edges(ctx):
    """Ring sizes 0, 3, 65535, 65536 and 32769 (refused), then 1 and 32768 (valid: the ring must start)."""
    for num in (0, 3, 65535, 65536, 32769):
        fe = ctx.frontend(start=False)
        fe.negotiate_features()
        fe.ch.send(SET_VRING_NUM, vring_state(1, num))
        ctx.closed(fe.ch, 0.3)
    for num in (1, 32768):
        fe = ctx.frontend(start=False, queue_size=num)
        fe.start()
        ctx.expect(ctx.driver.probe_frontend(fe, ctx.mode, 20), f"a queue of size {num} did not forward")
        fe.close()


@case("rings")
def ring_base_at_the_edges(ctx):
    """Bases 65536 and 0xffffffff (refused), then 65530 with frames across the 16-bit wrap (must pass)."""
    for base in (65536, 0xFFFFFFFF):
        fe = ctx.frontend(start=False)
        fe.negotiate_features()
        fe.ch.send(SET_VRING_BASE, vring_state(1, base))
        ctx.closed(fe.ch, 0.3)
    fe = ctx.frontend(start=False)
    fe.start(base=65530)
    for i in range(12):
        fe.send_frame(vu.frame(b"\xff" * 6, fe.mac, b"wrap%d" % i))
    deadline = time.monotonic() + 5
    while fe.tx.in_flight() and time.monotonic() < deadline:
        time.sleep(0.005)
    ctx.expect(fe.tx.in_flight() == 0, "frames across the avail index wrap were not consumed")
    ctx.expect(ctx.driver.probe_frontend(fe, ctx.mode, 20), "after the wrap the ring does not forward")


def addr_session(ctx, ring_index, payload, mem=None, mems=None):
    fe = ctx.frontend(start=False)
    fe.negotiate_features()
    if mems:
        fe.ch.send(SET_MEM_TABLE, mem_table([m.region() for m in mems]), [m.fd for m in mems])
    else:
        fe.set_mem_table()
    fe.ch.send(SET_VRING_NUM, vring_state(ring_index, 256))
    fe.ch.send(SET_VRING_BASE, vring_state(ring_index, 0))
    fe.ch.send(SET_VRING_ADDR, payload)
    fe.ch.send(SET_VRING_KICK, u64(ring_index), [ctx.eventfd()])
    fe.enable(vu.SplitRing(fe.mem, ring_index, 256, 0, 0))
    ctx.closed(fe.ch, 0.3)
    return fe


@case("rings", BOTH)
def ring_addresses_outside_memory(ctx):
    """Descriptor table, avail ring and used ring each outside memory, straddling its end, at address zero, and at
    the top of the address space."""
    top = 0xFFFFFFFFFFFFF000
    end = UADDR + (4 << 20)
    good = (UADDR, UADDR + 0x2000, UADDR + 0x1000)
    variants = []
    for which in range(3):
        for bad in (end + 0x10000, end - 16, 0, top, UADDR - 4096):
            a = list(good)
            a[which] = bad
            variants.append(a)
    for a in (variants if not ctx.client else variants[:2]):
        addr_session(ctx, 1, vring_addr(1, a[0], a[1], a[2]))


@case("rings")
def ring_across_two_regions(ctx):
    """Two regions adjacent in guest and user space; the descriptor table straddles the boundary."""
    a = ctx.memory(1 << 20)
    b = ctx.memory(1 << 20)
    b.gpa, b.uaddr = 1 << 20, UADDR + (1 << 20)
    desc = UADDR + (1 << 20) - 2048
    addr_session(ctx, 1, vring_addr(1, desc, UADDR + 0x2000, UADDR + 0x1000), mems=[a, b])


@case("rings")
def ring_addresses_misaligned(ctx):
    """Descriptor table at +8, avail ring at +1, used ring at +2 (VIRTIO 1.2 2.7: alignments 16, 2, 4)."""
    for a in ((UADDR + 8, UADDR + 0x2000, UADDR + 0x1000), (UADDR, UADDR + 0x2000, UADDR + 0x1001),
              (UADDR, UADDR + 0x2002, UADDR + 0x1000)):
        addr_session(ctx, 1, vring_addr(1, *a))


@case("rings")
def ring_address_flags_and_wild_log(ctx):
    """Unknown address flags, and the log flag with a wild log address but no log."""
    addr_session(ctx, 1, vring_addr(1, UADDR, UADDR + 0x2000, UADDR + 0x1000, flags=0xFE))
    addr_session(ctx, 1, vring_addr(1, UADDR, UADDR + 0x2000, UADDR + 0x1000, flags=1, log=0xFFFFFFFFFFFFFFF0))


@case("rings")
def ring_moved_outside_while_running(ctx):
    """SET_VRING_ADDR moving a running ring outside memory, then back; frames keep being sent."""
    fe = running(ctx)
    fe.ch.send(SET_VRING_ADDR, vring_addr(1, UADDR + (64 << 20), UADDR + (65 << 20), UADDR + (66 << 20)))
    blast(ctx, fe, 16, 16)
    fe.ch.send(SET_VRING_ADDR, fe.tx.addr_payload())
    blast(ctx, fe, 16, 16)


@case("rings")
def ring_stop_start_cycles(ctx):
    """200 GET_VRING_BASE / SET_VRING_BASE / SET_VRING_KICK cycles on a running transmit ring with frames in between."""
    fe = running(ctx)
    for i in range(200):
        fe.ch.send(GET_VRING_BASE, vring_state(1, 0))
        _, _, p = fe.ch.recv(10)
        base = vu.VRING_STATE.unpack(p)[1]
        fe.ch.send(SET_VRING_BASE, vring_state(1, base))
        fe.tx.kick_fd = ctx.eventfd()
        fe.ch.send(SET_VRING_KICK, u64(1), [fe.tx.kick_fd])
        fe.send_frame(vu.frame(b"\xff" * 6, fe.mac, b"cycle%d" % i))
    fe.sync()


@case("rings")
def ring_requests_out_of_order(ctx):
    """Kick before anything else, GET_VRING_BASE on rings never started, enable with value 2, RESET_OWNER while
    running, features changed while running, SET_OWNER twice."""
    ch = ctx.connect()
    ch.send(SET_VRING_KICK, u64(1), [ctx.eventfd()])
    ch.send(GET_VRING_BASE, vring_state(5, 0))
    ch.send(SET_VRING_ENABLE, vring_state(1, 2))
    ctx.closed(ch, 0.3)
    fe = running(ctx)
    fe.ch.send(SET_OWNER)
    fe.ch.send(SET_FEATURES, u64(F_PROTOCOL_FEATURES))  # VERSION_1 dropped: the header size changes under the rings
    blast(ctx, fe, 16, 16)
    fe.ch.send(SET_FEATURES, u64(0xFFFFFFFFFFFFFFFF))
    fe.ch.send(RESET_OWNER)
    blast(ctx, fe, 16, 16)


@case("rings")
def all_queue_pairs_then_gone(ctx):
    """Every queue pair the back-end offers (GET_QUEUE_NUM) started with MQ, frames on the last, then a hard close."""
    fe = ctx.frontend(start=False, mem_size=16 << 20)
    fe.negotiate_features(F_VERSION_1 | vu.F_MQ, P_REPLY_ACK | vu.P_MQ)
    pairs = min(fe.ch.call_u64(GET_QUEUE_NUM), 128)
    fe.set_mem_table()
    rings = []
    for index in range(2 * pairs):
        r = vu.SplitRing(fe.mem, index, 64, 0x400000 + index * 0x2000, 0x800000 + index * 0x10000, 1024)
        fe.ch.send(SET_VRING_NUM, vring_state(index, 64))
        fe.ch.send(SET_VRING_BASE, vring_state(index, 0))
        fe.ch.send(SET_VRING_ADDR, r.addr_payload())
        r.kick_fd = ctx.eventfd()
        fe.ch.send(SET_VRING_CALL, u64(index), [ctx.eventfd()])
        fe.ch.send(SET_VRING_KICK, u64(index), [r.kick_fd])
        fe.enable(r)
        rings.append(r)
    fe.sync()
    ctx.note(f"{pairs} queue pairs")
    rings[-2].post_receive()
    for i in range(16):
        rings[-1].transmit(vu.frame(b"\xff" * 6, fe.mac, b"mq%d" % i))
        rings[-1].kick()
    ctx.toward_victim(64)


# ---------------------------------------------------------------- descriptor chains on the transmit ring

def tx_chain(ctx, descs, heads=None, idx=None, want=F_VERSION_1 | F_INDIRECT_DESC, extra=None):
    """A running session that then offers one malicious chain on its transmit ring."""
    fe = running(ctx, want=want)
    time.sleep(0.05)
    if extra:
        extra(fe)
    post_chain(fe.tx, descs(fe) if callable(descs) else descs, heads, idx)
    time.sleep(0.1)
    blast(ctx, fe, 8, 32)
    return fe


B = vu.Frontend.SCRATCH  # a free area in the front-end's memory for tables and buffers


def _chain_cases():
    full = 0xFFFFFFFF
    defs = {
        "chain_loop_to_itself": {10: (B, 64, DESC_NEXT, 10)},
        "chain_loop_long": {i: (B, 64, DESC_NEXT, 10 + (i - 9) % 200) for i in range(10, 210)},
        "chain_next_out_of_range": {10: (B, 64, DESC_NEXT, 60000)},
        "chain_head_out_of_range": ({10: (B, 64, 0, 0)}, [4000]),
        "chain_descriptor_outside_memory": {10: (64 << 20, 64, 0, 0)},
        "chain_address_wraps": {10: (0xFFFFFFFFFFFFFF00, 0x200, 0, 0)},
        "chain_length_4gib": {10: (B, full, 0, 0)},
        "chain_zero_length": {10: (B, 0, 0, 0)},
        "chain_zero_lengths_linked": {i: (B, 0, DESC_NEXT, i + 1) for i in range(10, 60)} | {60: (B, 0, 0, 0)},
        "chain_header_only": {10: (B, 12, 0, 0)},
        "chain_runt_frame": {10: (B, 12 + 5, 0, 0)},
        "chain_giant_frame": {i: (B, 4096, DESC_NEXT, i + 1) for i in range(10, 40)} | {40: (B, 4096, 0, 0)},
        "chain_device_writable_on_transmit": {10: (B, 64, DESC_WRITE, 0)},
        "chain_readable_after_writable": {10: (B, 64, DESC_NEXT | DESC_WRITE, 11), 11: (B, 64, 0, 0)},
        "chain_every_descriptor_one_byte": {i: (B + i, 1, DESC_NEXT, i + 1) for i in range(0, 255)} | {255: (B, 1, 0, 0)},
        "indirect_zero_length": {10: (B, 0, DESC_INDIRECT, 0)},
        "indirect_length_not_multiple_of_16": {10: (B, 24, DESC_INDIRECT, 0)},
        "indirect_with_next": {10: (B, 32, DESC_INDIRECT | DESC_NEXT, 11), 11: (B, 64, 0, 0)},
        "indirect_table_outside_memory": {10: (96 << 20, 64, DESC_INDIRECT, 0)},
        "indirect_table_too_large": {10: (B - 0x200000, 16 * 65537, DESC_INDIRECT, 0)},
        "indirect_length_4gib": {10: (B, 0xFFFFFFF0, DESC_INDIRECT, 0)},
    }
    for name, spec in defs.items():
        descs, heads = spec if isinstance(spec, tuple) else (spec, None)

        def make(descs=descs, heads=heads, name=name):
            def fn(ctx):
                tx_chain(ctx, descs, heads)
            fn.__name__ = name
            fn.__doc__ = f"A running session offers a malicious chain on its transmit ring: {name.replace('_', ' ')}."
            return fn
        case("chains")(make())


_chain_cases()


def _indirect_table(fe, entries):
    """Writes an indirect table at B+0x1000 and returns its address."""
    table = B + 0x1000
    for i, (addr, length, flags, nxt) in enumerate(entries):
        fe.mem.write(table + 16 * i, vu.DESC.pack(addr, length, flags, nxt))
    return table


@case("chains")
def indirect_inside_indirect(ctx):
    """An indirect table whose entry is itself indirect (VIRTIO 1.2 2.7.5.3.1 forbids it)."""
    def descs(fe):
        t = _indirect_table(fe, [(B + 0x2000, 32, DESC_INDIRECT, 0)])
        _indirect_table_at(fe, B + 0x2000, [(B, 64, 0, 0), (B, 64, 0, 0)])
        return {10: (t, 16, DESC_INDIRECT, 0)}
    tx_chain(ctx, descs)


def _indirect_table_at(fe, at, entries):
    for i, (addr, length, flags, nxt) in enumerate(entries):
        fe.mem.write(at + 16 * i, vu.DESC.pack(addr, length, flags, nxt))


@case("chains")
def indirect_table_that_loops(ctx):
    """An indirect table of 16 entries whose last one points back to the first."""
    def descs(fe):
        t = _indirect_table(fe, [(B, 64, DESC_NEXT, (i + 1) % 16) for i in range(16)])
        return {10: (t, 16 * 16, DESC_INDIRECT, 0)}
    tx_chain(ctx, descs)


@case("chains")
def indirect_next_outside_table(ctx):
    """An indirect table of 2 entries whose first one links to entry 1000."""
    def descs(fe):
        t = _indirect_table(fe, [(B, 64, DESC_NEXT, 1000), (B, 64, 0, 0)])
        return {10: (t, 32, DESC_INDIRECT, 0)}
    tx_chain(ctx, descs)


@case("chains")
def indirect_without_negotiation(ctx):
    """A valid indirect chain although INDIRECT_DESC was not negotiated."""
    def descs(fe):
        data = bytes(12) + vu.frame(b"\xff" * 6, fe.mac, b"ind")
        fe.mem.write(B + 0x3000, data)
        t = _indirect_table(fe, [(B + 0x3000, len(data), 0, 0)])
        return {10: (t, 16, DESC_INDIRECT, 0)}
    tx_chain(ctx, descs, want=F_VERSION_1)


@case("chains")
def avail_index_jumps(ctx):
    """The avail index jumps ahead by the ring size plus one."""
    fe = running(ctx)
    post_chain(fe.tx, {10: (B, 64, 0, 0)}, idx=(fe.tx.avail_idx + 300) & 0xFFFF)
    time.sleep(0.2)  # no further transmit: the next publish would hide the jump
    blast(ctx, fe, 0, 16)


@case("chains")
def avail_index_goes_backwards(ctx):
    """The avail index moves back by 10 after frames were consumed, then jumps by exactly the ring size."""
    fe = running(ctx)
    for i in range(20):
        fe.send_frame(vu.frame(b"\xff" * 6, fe.mac, b"b%d" % i))
    time.sleep(0.1)
    fe.tx.publish((fe.tx.avail_idx - 10) & 0xFFFF)
    fe.tx.kick()
    time.sleep(0.05)
    fe.tx.publish((fe.tx.avail_idx + 256) & 0xFFFF)
    fe.tx.kick()
    blast(ctx, fe, 8, 16)


@case("chains")
def avail_ring_full_of_one_head(ctx):
    """Every avail entry names the same head: 256 uses of one chain in flight at once."""
    fe = running(ctx)
    data = bytes(12) + vu.frame(b"\xff" * 6, fe.mac, b"same")
    fe.mem.write(B, data)
    post_chain(fe.tx, {10: (B, len(data), 0, 0)}, heads=[10] * 256)
    blast(ctx, fe, 0, 16)


@case("chains")
def event_idx_with_wild_event_fields(ctx):
    """EVENT_IDX negotiated; used_event and the avail flags scribbled with random values while frames flow."""
    fe = running(ctx, want=F_VERSION_1 | F_EVENT_IDX)
    rng = random.Random(5)
    for i in range(200):
        for ring in (fe.rx, fe.tx):
            fe.mem.w16(ring.avail, rng.getrandbits(16))
            fe.mem.w16(ring.avail + 4 + 2 * ring.size, rng.getrandbits(16))
        fe.send_frame(vu.frame(b"\xff" * 6, fe.mac, b"e%d" % i))
        if i % 20 == 0:
            ctx.toward_victim(8)


@case("chains")
def used_ring_scribbled_by_the_guest(ctx):
    """The front-end overwrites the used ring (idx, flags, elements) with random values while frames flow."""
    fe = running(ctx)
    rng = random.Random(9)
    for i in range(300):
        ring = fe.rx if i % 2 else fe.tx
        fe.mem.write(ring.used + rng.randrange(0, 6 + 8 * ring.size - 8), rng.randbytes(8))
        fe.tx.transmit(vu.frame(b"\xff" * 6, fe.mac, b"u%d" % i))
        fe.tx.last_used = fe.tx.used_idx()
        fe.tx.kick()
        if i % 30 == 0:
            ctx.toward_victim(8)


@case("chains")
def descriptors_rewritten_during_the_walk(ctx):
    """A thread flips descriptor lengths, flags and links between sane and wild values for one second while chains
    are offered and kicked (time-of-check to time-of-use)."""
    fe = running(ctx, want=F_VERSION_1 | F_INDIRECT_DESC)
    stop = threading.Event()
    wild = [(B, 64, 0, 0), (B, 0xFFFFFFFF, DESC_NEXT, 3), (1 << 40, 64, 0, 0), (B, 16, DESC_INDIRECT, 0), (B, 64, DESC_NEXT, 0)]

    def flip():
        rng = random.Random(3)
        while not stop.is_set():
            i = rng.randrange(0, 64)
            fe.tx.write_desc(i, *wild[rng.randrange(len(wild))])
    t = threading.Thread(target=flip, daemon=True)
    t.start()
    deadline = time.monotonic() + 1.0
    i = 0
    while time.monotonic() < deadline:
        fe.tx.push_head(i % 64)
        fe.tx.publish()
        fe.tx.kick()
        fe.tx.last_used = fe.tx.used_idx()
        i += 1
        if (fe.tx.avail_idx - fe.tx.used_idx()) & 0xFFFF >= 200:
            time.sleep(0.001)
    stop.set()
    t.join()
    ctx.note(f"{i} chains offered")


# ---------------------------------------------------------------- the receive ring (the back-end writes)

def rx_chains(ctx, descs, heads=None, want=F_VERSION_1 | F_INDIRECT_DESC, idx=None):
    """A running session whose receive ring offers only malicious buffers; frames are sent toward it."""
    fe = running(ctx, want=want, post_rx=False)
    post_chain(fe.rx, descs, heads, idx)
    ctx.toward_victim(64, 200)
    time.sleep(0.1)
    return fe


def _rx_cases():
    ro = {i: (B + 2048 * i, 2048, 0, 0) for i in range(64)}
    defs = {
        "receive_buffers_read_only": (ro, list(range(64))),
        "receive_buffers_zero_length": ({i: (B, 0, DESC_WRITE, 0) for i in range(64)}, list(range(64))),
        "receive_buffers_smaller_than_header": ({i: (B + 16 * i, 4, DESC_WRITE, 0) for i in range(64)}, list(range(64))),
        "receive_buffers_outside_memory": ({i: (1 << 40, 2048, DESC_WRITE, 0) for i in range(64)}, list(range(64))),
        "receive_buffer_over_the_rings": ({0: (0, 2048, DESC_WRITE, 0)}, [0] * 64),
        "receive_chain_loop": ({0: (B, 8, DESC_WRITE | DESC_NEXT, 0)}, [0]),
        "receive_chain_readable_after_writable": ({0: (B, 8, DESC_WRITE | DESC_NEXT, 1), 1: (B, 2048, 0, 0)}, [0]),
        "receive_indirect_bad_length": ({0: (B, 20, DESC_INDIRECT, 0)}, [0]),
        "receive_head_out_of_range": ({0: (B, 2048, DESC_WRITE, 0)}, [5000]),
    }
    for name, (descs, heads) in defs.items():
        def make(descs=descs, heads=heads, name=name):
            def fn(ctx):
                rx_chains(ctx, descs, heads)
            fn.__name__ = name
            fn.__doc__ = f"Frames toward a port whose receive ring offers: {name[8:].replace('_', ' ')}."
            return fn
        case("receive")(make())


_rx_cases()


@case("receive")
def receive_mergeable_one_byte_buffers(ctx):
    """MRG_RXBUF negotiated and 256 receive buffers of one byte each: frames need more buffers than exist."""
    fe = running(ctx, want=F_VERSION_1 | F_MRG_RXBUF, post_rx=False)
    post_chain(fe.rx, {i: (B + i, 1, DESC_WRITE, 0) for i in range(256)}, list(range(256)))
    ctx.toward_victim(64, 1500)


@case("receive")
def receive_avail_index_jumps(ctx):
    """The receive ring's avail index jumps 1000 ahead."""
    fe = running(ctx)
    fe.rx.publish((fe.rx.avail_idx + 1000) & 0xFFFF)
    ctx.toward_victim(64)


# ---------------------------------------------------------------- dirty log

def logging_session(ctx, size, offset=0, file_size=1 << 20, log_addr=None, truncate=False):
    """A running session with LOG_ALL and LOG_SHMFD; SET_LOG_BASE with the given size and offset; then traffic."""
    fe = running(ctx, want=F_VERSION_1 | F_LOG_ALL, protocol=P_REPLY_ACK | P_LOG_SHMFD)
    log = ctx.memory(file_size)
    fe.ch.send(SET_LOG_BASE, LOG.pack(size & 0xFFFFFFFFFFFFFFFF, offset & 0xFFFFFFFFFFFFFFFF), [log.fd])
    try:
        fe.ch.recv(2)
    except (vu.NoReply, vu.PeerClosed):
        ctx.closed(fe.ch, 0.2)
        return fe
    if log_addr is not None:
        for ring in (fe.rx, fe.tx):
            fe.ch.send(SET_VRING_ADDR, ring.addr_payload(flags=1, log=log_addr))
    if truncate:
        os.ftruncate(log.fd, 0)
    blast(ctx, fe, 64, 64)
    return fe


@case("log")
def log_one_byte_long(ctx):
    """A dirty log of one byte (8 pages) for 4 MiB of guest memory; frames dirty pages far outside it."""
    logging_session(ctx, 1)


@case("log")
def log_used_ring_address_wild(ctx):
    """Used-ring logging at log address 2^64-16 (and at 2^40) with a small log."""
    logging_session(ctx, 4096, log_addr=0xFFFFFFFFFFFFFFF0).close()
    logging_session(ctx, 4096, log_addr=1 << 40)


@case("log", BOTH)
def log_sizes_and_offsets_that_lie(ctx):
    """Log size 0, size 2^40+1, offset past the file, offset + size wrapping, size larger than the file."""
    variants = [(0, 0), ((1 << 40) + 1, 0), (4096, 8 << 20), (8192, 0xFFFFFFFFFFFFF000), (16 << 20, 0)]
    for size, offset in (variants if not ctx.client else variants[2:3]):
        logging_session(ctx, size, offset).close()


@case("log")
def log_without_shmfd(ctx):
    """SET_LOG_BASE and SET_LOG_FD although LOG_SHMFD was not negotiated, with wrong fd kinds."""
    fe = running(ctx, want=F_VERSION_1 | F_LOG_ALL)
    log = ctx.memory(1 << 20)
    fe.ch.send(SET_LOG_FD, b"", [wrong_fd(ctx, "directory")])
    fe.ch.send(SET_LOG_FD, b"", [wrong_fd(ctx, "pipe_full")])
    fe.ch.send(SET_LOG_BASE, LOG.pack(4096, 0), [log.fd])
    ctx.closed(fe.ch, 0.5)


@case("log")
def log_replaced_500_times(ctx):
    """500 SET_LOG_BASE, each with a fresh memfd, while frames flow."""
    fe = running(ctx, want=F_VERSION_1 | F_LOG_ALL, protocol=P_REPLY_ACK | P_LOG_SHMFD)
    for i in range(500):
        log = vu.GuestMemory(64 << 10, name="vhostile-case")
        ctx.track(log.fd)
        fe.ch.send(SET_LOG_BASE, LOG.pack(64 << 10, 0), [log.fd])
        fe.ch.recv(10)
        log.close()
        if i % 25 == 0:
            fe.send_frame(vu.frame(b"\xff" * 6, fe.mac, b"l%d" % i))
            ctx.toward_victim(4)


@case("log")
def log_truncated_while_logging(ctx):
    """The log memfd shrinks to zero after SET_LOG_BASE while the back-end marks dirty pages in it."""
    logging_session(ctx, 64 << 10, truncate=True)


# ---------------------------------------------------------------- sessions

def negotiation_stream(fe):
    """The messages of a full negotiation as (bytes, fds) pairs, without sending them."""
    msgs = []
    orig = fe.ch.send_raw
    fe.ch.send_raw = lambda data, fds=(): msgs.append((data, list(fds))) or True
    fe.ch.call_u64 = lambda request, payload=b"", timeout=5.0: F_VERSION_1 | F_PROTOCOL_FEATURES | F_MRG_RXBUF
    fe.ch.recv = lambda timeout=5.0: (0, FLAG_REPLY, u64(0))
    fe.start()
    fe.ch.send_raw = orig
    return msgs


@case("sessions", BOTH)
def thousands_of_partial_sessions(ctx):
    """2000 sessions (5 in client mode), each a random prefix of a real negotiation, fds included, then gone."""
    scratch = vu.Frontend(vu.Channel(socket.socket(socket.AF_UNIX)), name="vhostile-case")
    ctx.track(scratch.mem.fd)
    msgs = negotiation_stream(scratch)
    for ring in (scratch.rx, scratch.tx):
        ctx.track(ring.call_fd)
        ctx.track(ring.kick_fd)
    ctx.keep(scratch.close)
    total = sum(len(d) for d, _ in msgs)
    rng = random.Random(2000)
    count = ctx.scaled(2000, 5)
    t = time.monotonic()
    for _ in range(count):
        ch = ctx.driver.victim_connect(ctx.mode, 20)
        cut, pos = rng.randrange(1, total), 0
        for d, fds in msgs:  # each message's bytes with its own fds, up to the cut
            if pos >= cut:
                break
            piece = d[:cut - pos]
            ch.send_raw(piece, fds)
            pos += len(piece)
        ch.close()
    ctx.note(f"{count} sessions in {time.monotonic() - t:.1f} s")


@case("sessions")
def connections_held_open_at_once(ctx):
    """300 connections opened and held (most wait in the listen backlog), half with a partial header, then closed."""
    held = []
    for i in range(300):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(ctx.driver.victims["server"])
            if i % 2:
                s.send(b"\x01\x00")
            held.append(s)
        except (BlockingIOError, InterruptedError, ConnectionRefusedError, OSError):
            s.close()
    ctx.note(f"{len(held)} connections accepted into the backlog")
    for s in held:
        ctx.keep(s.close)


@case("sessions")
def half_negotiated_and_idle(ctx):
    """A session that stops mid-negotiation (memory table sent, rings half set) and stays connected."""
    fe = ctx.frontend(start=False)
    fe.negotiate_features()
    fe.set_mem_table()
    fe.ch.send(SET_VRING_NUM, vring_state(1, 256))
    fe.ch.send_raw(vu.HEADER.pack(SET_VRING_ADDR, VERSION, 40) + b"\x01")


@case("sessions")
def hard_close_mid_traffic(ctx):
    """Ten sessions that close with chains in flight in both directions (the datapath holds guest memory)."""
    for _ in range(10):
        fe = running(ctx)
        for i in range(200):
            fe.send_frame(vu.frame(b"\xff" * 6, fe.mac, b"x%d" % i))
        ctx.toward_victim(64)
        fe.ch.sock.shutdown(socket.SHUT_RDWR)
        fe.close()


@case("sessions")
def one_hundred_correct_sessions(ctx):
    """100 correct sessions in a row, each passing a frame (the leak check then covers many sessions)."""
    for i in range(100):
        fe = running(ctx)
        fe.sync()
        fe.close()
