#!/usr/bin/env python3
"""Hostile vhost-user front-end: runs a corpus of malformed, lying and abusive sessions against a vhost-user back-end
and checks, after each case, that the back-end survived it whole.

After every case:
  alive      the back-end process lives (and its control socket answers, when one is given)
  during     while the hostile session is still open, two long-lived peers (bystanders) forward to each other
  fresh      a new, correct front-end on the attacked port negotiates and passes frames both ways
  after      the bystanders still forward
  leaks      no fd or mapping of anything the front-ends sent is still held, no new fd or shared mapping, RSS within
             tolerance (runtime noise, such as an assembly mapped on first use or JIT code, is reported, not failed)

Usage (see tests/hostile/README.md):
  hostile.py run --pid PID --server-victim SOCK [--client-victim SOCK] --peer NAME:server|client:SOCK ... \
                 --bystanders B,C [--partner NAME] [--ctl-socket PATH] [--group G] [--json OUT]
  hostile.py testpmd [--json OUT] [...]   the same corpus against dpdk-testpmd's net_vhost (starts testpmd itself)
  hostile.py compare OURS.json THEIRS.json
  hostile.py list
"""

import argparse
import json
import os
import select
import socket
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import corpus  # noqa: E402
import procfs  # noqa: E402
import vhostuser as vu  # noqa: E402

VICTIM_MAC = vu.mac("02:00:00:00:0a:01")
BROADCAST = b"\xff" * 6


class CaseFailed(Exception):
    """A case's own expectation did not hold (for cases that check behaviour, not only survival)."""


class Peer:
    """A long-lived correct front-end on one port, used as bystander or as the attacked port's partner."""

    def __init__(self, name, mode, path, index):
        self.name, self.mode, self.path = name, mode, path
        self.mac = vu.mac(f"02:00:00:00:{0x0b + index:02x}:01")
        self.listener = vu.Listener(path) if mode == "client" else None
        self.fe = None

    def connect(self, timeout=30.0):
        ch = self.listener.accept(timeout) if self.listener else vu.connect(self.path, timeout)
        self.fe = vu.Frontend(ch, name=f"vhostile-peer-{self.name}").start()
        self.fe.mac = self.mac

    def close(self):
        if self.fe:
            self.fe.close()
        if self.listener:
            self.listener.close()


_tag_counter = [0]


def next_tag():
    _tag_counter[0] += 1
    return f"{os.getpid()}-{_tag_counter[0]}".encode()


def forward(src, dst, timeout, dst_mac=None):
    """Sends tagged frames from src until one arrives at dst (resent every 250 ms). True when it arrived."""
    tag = next_tag()
    f = vu.frame(dst_mac or dst.mac, src.mac, tag)
    deadline = time.monotonic() + timeout
    next_send = 0.0
    while time.monotonic() < deadline:
        now = time.monotonic()
        if now >= next_send:
            src.receive()
            src.send_frame(f)
            next_send = now + 0.25
        for got in dst.receive():
            if tag in got:
                return True
        time.sleep(0.002)
    return False


class Ctx:
    """What a case gets: connections to the attacked port, tracked objects, notes. Everything it opens is closed by
    the driver after the 'during' check, so a case can leave a hostile session open on purpose."""

    def __init__(self, driver, mode):
        self.driver = driver
        self.mode = mode
        self.client = mode == "client"
        self.target = driver.target
        self.notes = []
        self.objects = set()  # identities of everything this case created (for the leak check)
        self._closers = []
        self.channels = []

    # -- connections --
    def connect(self, timeout=20.0):
        """A new connection to the attacked port (client mode: the back-end's next connection to our listener)."""
        ch = self.driver.victim_connect(self.mode, timeout)
        self.channels.append(ch)
        self._closers.append(ch.close)
        return ch

    def frontend(self, start=True, **kw):
        """A correct front-end on a new connection; started (one queue pair running) unless start=False."""
        fe = vu.Frontend(self.connect(), name="vhostile-case", **kw)
        self.track(fe.mem.fd)
        self._closers.append(fe.close)
        fe.mac = VICTIM_MAC
        if start:
            fe.start(**({} if start is True else start))
            for ring in (fe.rx, fe.tx):
                self.track(ring.call_fd)
                self.track(ring.kick_fd)
        return fe

    # -- objects --
    def track(self, fd):
        if fd is not None and fd >= 0:
            try:
                ident = procfs.identity_of_own_fd(fd)
            except OSError:
                ident = None
            if ident:
                self.objects.add(ident)
        return fd

    def own(self, fd):
        """Tracks fd and closes it at the end of the case."""
        self.track(fd)
        self._closers.append(lambda: _close(fd))
        return fd

    def memory(self, size, **kw):
        m = vu.GuestMemory(size, name="vhostile-case", **kw)
        self.track(m.fd)
        self._closers.append(m.close)
        return m

    def eventfd(self, blocking=False):
        return self.own(os.eventfd(0, os.EFD_CLOEXEC | (0 if blocking else os.EFD_NONBLOCK)))

    def pipe(self):
        r, w = os.pipe2(os.O_CLOEXEC)
        return self.own(r), self.own(w)

    def socketpair(self):
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._closers.append(a.close)
        self._closers.append(b.close)
        self.track(a.fileno())
        self.track(b.fileno())
        return a, b

    def open(self, path, flags):
        return self.own(os.open(path, flags | os.O_CLOEXEC))

    def keep(self, closer):
        self._closers.append(closer)

    def note(self, text):
        if text not in self.notes:
            self.notes.append(text)

    def expect(self, condition, text):
        if not condition:
            raise CaseFailed(text)

    def closed(self, ch, timeout=2.0):
        """Waits for the back-end to drop ch; notes what it did. True if it closed the connection."""
        t = time.monotonic()
        if ch.wait_closed(timeout):
            self.note(f"closed the session ({(time.monotonic() - t) * 1000:.0f} ms)")
            return True
        self.note("kept the session open")
        return False

    def scaled(self, server_count, client_count):
        """Client-mode sessions cost the back-end's reconnect interval each: fewer of them there."""
        return client_count if self.client else server_count

    # -- traffic --
    def toward_victim(self, count=32, size=64):
        """The partner sends frames to the victim's MAC (flooded if not learned), to make the back-end write into the
        victim's receive ring."""
        partner = self.driver.partner(self.mode)
        for i in range(count):
            partner.fe.receive()
            partner.fe.send_frame(vu.frame(VICTIM_MAC, partner.mac, next_tag(), size))
            if i % 64 == 63:
                time.sleep(0.001)

    def close_all(self):
        for closer in reversed(self._closers):
            try:
                closer()
            except Exception:  # noqa: BLE001 - closing whatever is left; errors here are not findings
                pass
        self._closers = []


def _close(fd):
    try:
        os.close(fd)
    except OSError:
        pass


class Driver:
    def __init__(self, args, target):
        self.args = args
        self.target = target
        self.pid = args.pid
        self.victims = {}
        if args.server_victim:
            self.victims["server"] = args.server_victim
        if args.client_victim:
            self.victims["client"] = vu.Listener(args.client_victim)
        self.peers = {}
        for i, spec in enumerate(args.peer):
            name, mode, path = spec.split(":", 2)
            self.peers[name] = Peer(name, mode, path, i)
        self.bystanders = [self.peers[n] for n in args.bystanders.split(",")]
        self.results = []
        self.baseline = None
        self.tool_objects = set()
        self.log_offset = 0

    def victim_connect(self, mode, timeout):
        v = self.victims[mode]
        return v.accept(timeout) if mode == "client" else vu.connect(v, timeout)

    def partner(self, mode):
        name = getattr(self.args, f"{mode}_partner") or self.args.partner or self.bystanders[0].name
        return self.peers[name]

    # -- checks --
    def alive(self):
        if not procfs.alive(self.pid):
            return False, "process gone"
        if self.args.ctl_socket and self.rpc("show") is None:
            return False, "the control socket does not answer"
        return True, ""

    def bystanders_forward(self, timeout):
        a, b = self.bystanders
        if not forward(a.fe, b.fe, timeout):
            return False, f"{a.name} -> {b.name} lost"
        if not forward(b.fe, a.fe, timeout):
            return False, f"{b.name} -> {a.name} lost"
        return True, ""

    def probe_frontend(self, fe, mode, timeout):
        """True when frames pass both ways between the started front-end fe and the attacked port's partner."""
        deadline = time.monotonic() + timeout
        partner = self.partner(mode).fe
        fe.mac = VICTIM_MAC
        return forward(fe, partner, timeout) and forward(partner, fe, max(1.0, deadline - time.monotonic()), dst_mac=VICTIM_MAC)

    def probe(self, mode, timeout):
        """A fresh correct front-end on the attacked port: frames both ways with its partner."""
        fe = None
        try:
            fe = vu.Frontend(self.victim_connect(mode, timeout), name="vhostile-probe")
            fe.start()
            for fd in (fe.rx.call_fd, fe.rx.kick_fd, fe.tx.call_fd, fe.tx.kick_fd, fe.mem.fd):
                ident = procfs.identity_of_own_fd(fd)
                if ident:
                    self.tool_objects.add(ident)
            if not self.probe_frontend(fe, mode, timeout):
                return False, "frames did not pass both ways through a fresh front-end"
            return True, ""
        except (vu.PeerClosed, vu.NoReply, OSError) as e:
            return False, f"fresh front-end failed: {e}"
        finally:
            if fe:
                fe.close()

    def await_client_reconnect(self, timeout=5.0):
        """A client-mode victim port reconnects after every session: wait for that connection (it is pending on our
        listener), so that every census sees the back-end in the same state."""
        v = self.victims.get("client")
        if v:
            select.select([v.sock], [], [], timeout)

    def settle_leaks(self, timeout):
        self.await_client_reconnect()
        deadline = time.monotonic() + timeout
        while True:
            try:
                now = procfs.Census(self.pid)
            except OSError as e:
                return [f"cannot read /proc/{self.pid}: {e}"], [], None
            leaks, noise = self.baseline.judge(now, self.tool_objects)
            if not leaks or time.monotonic() > deadline:
                return leaks, noise, now
            time.sleep(0.2)

    def rpc(self, method, params=None):
        """One request on vswitchd's control socket (JSON-RPC 2.0, each message a 4-byte big-endian length and JSON).
        Returns the result, or None when the daemon does not answer."""
        if not self.args.ctl_socket:
            return None
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        try:
            s.connect(self.args.ctl_socket)
            body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or {}}).encode()
            s.sendall(len(body).to_bytes(4, "big") + body)
            data = b""
            while len(data) < 4 or len(data) < 4 + int.from_bytes(data[:4], "big"):
                chunk = s.recv(65536)
                if not chunk:
                    return None
                data += chunk
            return json.loads(data[4:4 + int.from_bytes(data[:4], "big")]).get("result")
        except (OSError, ValueError):
            return None
        finally:
            s.close()

    def port_view(self, mode):
        """(last_error, broken rings, drops by reason, connections) of the attacked port, from vswitchctl."""
        name = getattr(self.args, f"{mode}_victim_name")
        if not name:
            return None
        status = self.rpc("port-status", {"name": name}) or {}
        stats = self.rpc("port-stats", {"name": name, "queues": False}) or {}
        drops = {}
        for port in stats.get("ports", []):
            for direction in ("rx", "tx"):
                for reason, n in (port.get(direction, {}).get("drops_by_reason") or {}).items():
                    drops[reason] = drops.get(reason, 0) + n
        broken = [f"ring {r.get('index')} {r.get('broken_reason') or ''}".strip() for r in status.get("vrings") or [] if r.get("broken")]
        return {"last_error": status.get("last_error"), "broken": broken, "drops": drops, "connection": status.get("connection")}

    def target_log(self):
        """New lines of the back-end's own log (testpmd's console), for what it said about a case."""
        path = self.args.log_file
        if not path or not os.path.exists(path):
            return []
        with open(path, errors="replace") as f:
            f.seek(self.log_offset)
            text = f.read()
            self.log_offset = f.tell()
        keys = ("error", "fail", "invalid", "warn", "too ", "exceed", "not ", "bad", "panic", "segmentation")
        return [l.strip() for l in text.splitlines() if any(k in l.lower() for k in keys)]

    # -- the run --
    def start(self):
        for p in self.peers.values():
            if not p.fe:
                p.connect()
        modes = list(self.victims)
        for mode in modes:
            # After a restart a client-mode listener can still hold the dead back-end's connection in its backlog: the
            # first fresh front-end gets that one, closed. A few attempts, each a whole probe, get past it.
            for _ in range(3):
                ok, why = self.probe(mode, 60)
                if ok:
                    break
            if not ok:
                raise SystemExit(f"warm-up probe on the {mode} victim failed: {why}")
        ok, why = self.bystanders_forward(30)
        if not ok:
            raise SystemExit(f"warm-up: bystanders do not forward: {why}")
        time.sleep(0.5)
        self.await_client_reconnect()
        self.baseline = procfs.Baseline(procfs.Census(self.pid), self.args.rss_tolerance_mb * 1024, self.args.shmem_tolerance_mb * 1024)
        self.target_log()

    def restart(self):
        """After the back-end was restarted: new sessions for the long-lived peers and a new baseline."""
        for p in self.peers.values():
            if p.fe:
                p.fe.close()
                p.fe = None
        self.tool_objects = set()
        self.start()

    def run_case(self, case, mode):
        ctx = Ctx(self, mode)
        before = self.port_view(mode) if self.args.ctl_socket else None
        cpu0, t0 = procfs.cpu_seconds(self.pid), time.monotonic()
        failures = []
        try:
            case.fn(ctx)
        except CaseFailed as e:
            failures.append(f"case: {e}")
        except Exception as e:  # noqa: BLE001 - a tool error must show as a failed case, with its trace
            failures.append(f"case raised {type(e).__name__}: {e}")
            traceback.print_exc(file=sys.stderr)
        t_case = time.monotonic() - t0
        ok, why = self.alive()
        died = not ok
        if not ok:
            failures.append(f"dead after the case: {why}")
        else:
            ok, why = self.bystanders_forward(self.args.forward_timeout)
            if not ok:
                failures.append(f"during the hostile session: {why}")
        cpu = (procfs.cpu_seconds(self.pid) - cpu0) / max(0.001, time.monotonic() - t0)
        during = self.port_view(mode) if self.args.ctl_socket and not died else None
        ctx.close_all()
        self.tool_objects |= ctx.objects
        noise = []
        if not died:
            ok, why = self.alive()
            if not ok:
                died = True
                failures.append(f"dead after the session closed: {why}")
        if not died:
            ok, why = self.probe(mode, self.args.probe_timeout)
            if not ok:
                failures.append(why)
            ok, why = self.bystanders_forward(self.args.forward_timeout)
            if not ok:
                failures.append(f"after the case: {why}")
            ok, why = self.alive()
            if not ok:
                died = True
                failures.append(f"dead after the fresh front-end: {why}")
        if not died:
            leaks, noise, now = self.settle_leaks(self.args.settle_timeout)
            failures += leaks
            if not leaks and now is not None:
                self.baseline.absorb_noise(now)
        after = self.port_view(mode) if self.args.ctl_socket and not died else None
        did = list(ctx.notes)
        did += describe_switch(before, during, after)
        did += [f"said: {line[:120]}" for line in self.target_log()[:3]]
        result = {
            "case": case.name, "group": case.group, "mode": mode, "pending": case.pending,
            "verdict": "pass" if not failures else ("DIED" if died else "FAIL"),
            "failures": failures, "did": did, "noise": noise,
            "seconds": round(time.monotonic() - t0, 2), "case_seconds": round(t_case, 2), "cpu": round(cpu, 2),
            "description": case.doc,
        }
        self.results.append(result)
        return result, died

    def close(self):
        for p in self.peers.values():
            p.close()
        v = self.victims.get("client")
        if v:
            v.close()


def describe_switch(before, during, after):
    """What vswitchd did, in a few words: its last error, rings it marked broken, drop counters that moved."""
    if not after and not during:
        return []
    out = []
    if during and during["broken"]:
        out.append("broke " + ", ".join(during["broken"]))
    last = (after or during or {}).get("last_error")
    if last and last != (before or {}).get("last_error"):
        out.append(f"error: {last}")
    if before and after:
        moved = {k: v - before["drops"].get(k, 0) for k, v in after["drops"].items() if v != before["drops"].get(k, 0)}
        if moved:
            out.append("drops " + ", ".join(f"{k}+{v}" for k, v in sorted(moved.items())))
    return out


def select_cases(args):
    cases = corpus.all_cases()
    if args.group:
        cases = [c for c in cases if c.group in args.group.split(",")]
    if args.case:
        names = set(args.case)
        cases = [c for c in cases if c.name in names]
    if args.pending == "exclude":
        cases = [c for c in cases if not c.pending]
    elif args.pending == "only":
        cases = [c for c in cases if c.pending]
    elif args.pending != "include":
        cases = [c for c in cases if c.pending == args.pending]
    return cases


def run(args, target="vswitchd", launch=None):
    """Runs the selected cases. launch, when given, starts the back-end (after this tool's listeners exist) and returns
    its pid; it is called again to restart a back-end that died, so that one crash does not hide the other cases."""
    cases = select_cases(args)
    driver = Driver(args, target)
    started = time.monotonic()
    failed = 0
    died = False
    try:
        if launch:
            driver.pid = launch()
        driver.start()
        for case in cases:
            for mode in [m for m in case.modes if m in driver.victims]:
                if died and launch:
                    try:
                        driver.pid = launch()
                        driver.restart()
                        died = False
                    except (SystemExit, OSError, vu.PeerClosed, vu.NoReply) as e:
                        print(f"could not restart {target}: {e}", file=sys.stderr)
                        launch = None
                if died:
                    driver.results.append({"case": case.name, "group": case.group, "mode": mode, "pending": case.pending,
                                           "verdict": "not run", "failures": ["back-end died earlier"], "did": [],
                                           "noise": [], "seconds": 0, "description": case.doc})
                    failed += 1
                    continue
                result, died = driver.run_case(case, mode)
                print_row(result, sys.stdout)
                if result["verdict"] != "pass":
                    failed += 1
    finally:
        driver.close()
        elapsed = time.monotonic() - started
        print(f"hostile corpus against {target}: {len(driver.results)} runs, {len(driver.results) - failed} pass, {failed} fail, {elapsed:.0f} s")
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"target": target, "seconds": round(elapsed), "results": driver.results,
                           "tolerances": {"rss_mb": args.rss_tolerance_mb, "shmem_mb": args.shmem_tolerance_mb}}, f, indent=1)
    return 1 if failed else 0


def print_row(r, out):
    flag = f" [pending {r['pending']}]" if r["pending"] else ""
    cpu = f"{r.get('cpu', 0) * 100:>4.0f}%" if r["seconds"] >= 1 else "     "
    print(f"{r['verdict']:<7} {r['mode']:<6} {r['group']:<9} {r['case']:<44} {r['seconds']:>6.2f}s {cpu}  {'; '.join(r['did'])[:160]}{flag}", file=out)
    for f in r["failures"]:
        print(f"          ! {f}", file=out)
    for n in r["noise"]:
        print(f"          ~ {n}", file=out)
    out.flush()


def add_run_options(p):
    p.add_argument("--group", help="comma-separated groups (see list)")
    p.add_argument("--case", action="append", help="run only this case (repeatable)")
    p.add_argument("--pending", default="include",
                   help="include, exclude or only the cases that wait for a product fix not yet merged, or only those marked with one fix's name (none is marked today)")
    p.add_argument("--json", help="write the results here")
    p.add_argument("--probe-timeout", type=float, default=30.0)
    p.add_argument("--forward-timeout", type=float, default=10.0)
    p.add_argument("--settle-timeout", type=float, default=10.0)
    p.add_argument("--rss-tolerance-mb", type=int, default=64)
    p.add_argument("--shmem-tolerance-mb", type=int, default=16)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run the corpus against a running back-end")
    r.add_argument("--pid", type=int, required=True, help="the back-end's process id (for /proc checks)")
    r.add_argument("--server-victim", help="socket of the attacked port where the back-end listens")
    r.add_argument("--server-victim-name", help="its port name, for vswitchctl")
    r.add_argument("--client-victim", help="socket this tool listens on for the attacked client-mode port")
    r.add_argument("--client-victim-name")
    r.add_argument("--peer", action="append", default=[], help="NAME:server|client:SOCKET, a long-lived correct peer")
    r.add_argument("--bystanders", required=True, help="two peer names that must keep forwarding to each other")
    r.add_argument("--partner", help="peer that receives the attacked port's frames (default: first bystander)")
    r.add_argument("--server-partner")
    r.add_argument("--client-partner")
    r.add_argument("--ctl-socket", help="vswitchd's control socket: it must keep answering, and tells what the switch did")
    r.add_argument("--log-file", help="the back-end's console log, to quote what it said about each case")
    add_run_options(r)
    t = sub.add_parser("testpmd", help="start dpdk-testpmd with net_vhost ports and run the corpus against it")
    t.add_argument("--cores", default="0,1")
    add_run_options(t)
    c = sub.add_parser("compare", help="print two result files side by side")
    c.add_argument("ours")
    c.add_argument("theirs")
    sub.add_parser("list", help="list the cases")
    args = p.parse_args()
    if args.command == "run":
        if not args.server_victim and not args.client_victim:
            p.error("give --server-victim and/or --client-victim")
        return run(args)
    if args.command == "testpmd":
        import testpmd  # noqa: PLC0415
        return testpmd.run_against_testpmd(args, run)
    if args.command == "compare":
        import compare  # noqa: PLC0415
        return compare.main(args.ours, args.theirs)
    for c in corpus.all_cases():
        print(f"{c.group:<9} {c.name:<40} {'/'.join(c.modes):<13} {('pending ' + c.pending) if c.pending else ''} {c.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
