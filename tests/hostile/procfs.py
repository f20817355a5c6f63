"""What a process holds, read from /proc: its fds (with the identity of the object behind each), its mappings and its
memory. Used to tell a leak (an object a front-end sent still held after the session ended, or a descriptor or shared
mapping more than before) from runtime noise (an assembly or library mapped on first use, JIT code pages, heap growth).
"""

import os
import re
from collections import Counter

RUNTIME_FILE = re.compile(r"\.(dll|so(\.\d+)*|json|pdb)( \(deleted\))?$|^/usr/(share|lib)/")
JIT_MEMFD = "/memfd:doublemapper"  # the .NET runtime's W^X code heap: grows as methods are compiled


def identity_of_own_fd(fd):
    """Identity of an object this process holds as fd: ('eventfd', id) for an eventfd, else ('ino', dev, ino)."""
    link = os.readlink(f"/proc/self/fd/{fd}")
    if link == "anon_inode:[eventfd]":
        eid = _eventfd_id(f"/proc/self/fdinfo/{fd}")
        return ("eventfd", eid) if eid is not None else None
    if link.startswith("anon_inode:"):
        return None
    st = os.fstat(fd)
    return ("ino", st.st_dev, st.st_ino)


def _eventfd_id(fdinfo):
    try:
        with open(fdinfo) as f:
            for line in f:
                if line.startswith("eventfd-id:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def dev_text(st_dev):
    return f"{os.major(st_dev):02x}:{os.minor(st_dev):02x}"


class Census:
    """One look at a process: fds {number: (category, identity, target)}, mappings, memory counters (kB)."""

    def __init__(self, pid):
        self.pid = pid
        self.fds = {}
        for name in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{name}")
            except OSError:
                continue  # closed while we looked
            self.fds[int(name)] = self._classify(pid, int(name), target)
        self.maps = []
        with open(f"/proc/{pid}/maps") as f:
            for line in f:
                parts = line.split(None, 5)
                path = parts[5].strip() if len(parts) > 5 else ""
                self.maps.append((parts[0], parts[1], parts[3], int(parts[4]), path))
        self.status = {}
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmSize", "Threads"):
                    self.status[key] = int(value.split()[0])

    @staticmethod
    def _classify(pid, fd, target):
        if target == "anon_inode:[eventfd]":
            eid = _eventfd_id(f"/proc/{pid}/fdinfo/{fd}")
            return ("eventfd", ("eventfd", eid) if eid is not None else ("fd", fd), target)
        if target.startswith("anon_inode:"):
            # Anonymous objects (epoll sets, timerfds, signalfds) have no identity to follow from outside: they are
            # counted by kind. Their numbers are not compared, because a set made anew (the datapath thread rebuilds
            # its epoll set when a session closed a registered fd) takes the lowest free number, not its old one.
            return ("anon", ("anon", target), target)
        try:
            st = os.stat(f"/proc/{pid}/fd/{fd}")
            ident = ("ino", st.st_dev, st.st_ino)
        except OSError:
            ident = ("fd", fd, target)
        if target.startswith("socket:"):
            return ("socket", ident, target)
        if target.startswith("pipe:"):
            return ("pipe", ident, target)
        if target.startswith("/memfd:"):
            return ("memfd", ident, target)
        if RUNTIME_FILE.search(target):
            return ("runtime", ident, target)
        return ("file", ident, target)

    def identities(self, include_runtime=False):
        return {v[1] for v in self.fds.values() if include_runtime or v[0] != "runtime"}

    def shared_maps(self):
        """Shared mappings that are not the runtime's JIT memfd: guest memory, logs, hugepage files."""
        return [m for m in self.maps if "s" in m[1] and not m[4].startswith(JIT_MEMFD)]

    def jit_pages(self):
        return sum(1 for m in self.maps if m[4].startswith(JIT_MEMFD))

    def runtime_maps(self):
        return {m[4] for m in self.maps if m[4] and RUNTIME_FILE.search(m[4])}


class Baseline:
    """What the process held with only the long-lived peers connected, and the tolerances applied to it."""

    def __init__(self, census, rss_tolerance_kb, shmem_tolerance_kb):
        self.census = census
        self.identities = census.identities()
        self.shared = {(m[2], m[3], m[4]) for m in census.shared_maps()}
        self.runtime_fds = {v[2] for v in census.fds.values() if v[0] == "runtime"}
        self.runtime_maps = census.runtime_maps()
        self.rss_tolerance_kb = rss_tolerance_kb
        self.shmem_tolerance_kb = shmem_tolerance_kb

    def _category(self, ident):
        for category, i, _ in self.census.fds.values():
            if i == ident:
                return category
        return None

    def judge(self, now, tool_objects):
        """Returns (leaks, noise): leaks are findings that fail a case; noise is runtime growth worth printing."""
        leaks, noise = [], []
        tool_inodes = {(dev_text(o[1]), o[2]) for o in tool_objects if o and o[0] == "ino"}
        # Objects are compared by how many fds hold each (a daemon's own /dev/null and one a front-end sent are the
        # same inode). A client-mode port's idle connection is a new socket after every session: sockets are judged
        # by number.
        base_count = Counter(v[1] for v in self.census.fds.values() if v[0] != "runtime")
        now_count = Counter(v[1] for v in now.fds.values() if v[0] != "runtime")
        gone_sockets = sum(n - now_count[i] for i, n in base_count.items() if i[0] == "ino" and n > now_count[i]
                           and self._category(i) == "socket")
        reported = Counter()
        for fd, (category, ident, target) in sorted(now.fds.items()):
            if category == "runtime":
                if target not in self.runtime_fds:
                    noise.append(f"fd {fd} {os.path.basename(target)} (runtime file opened on first use)")
                continue
            if now_count[ident] - reported[ident] <= base_count[ident]:
                continue
            reported[ident] += 1
            if ident in tool_objects:
                leaks.append(f"fd {fd} still holds a front-end object ({target})")
            elif category == "socket" and gone_sockets > 0:
                gone_sockets -= 1
            else:
                leaks.append(f"fd {fd} is new since the baseline ({target})")
        for start_end, perms, dev, ino, path in now.shared_maps():
            if ino and (dev, ino) in tool_inodes:
                leaks.append(f"mapping {start_end} {perms} still maps front-end memory ({path})")
            elif path and RUNTIME_FILE.search(path):
                continue  # the runtime maps its assemblies shared and read-only on first use: noise, reported below
            elif (dev, ino, path) not in self.shared:
                leaks.append(f"shared mapping {start_end} {perms} {path or 'anonymous'} is new since the baseline")
        for path in sorted(now.runtime_maps() - self.runtime_maps):
            noise.append(f"mapped {os.path.basename(path)} (runtime, first use)")
        base, cur = self.census.status, now.status
        rss_growth = cur.get("VmRSS", 0) - base.get("VmRSS", 0)
        shmem_growth = cur.get("RssShmem", 0) - base.get("RssShmem", 0)
        if rss_growth > self.rss_tolerance_kb:
            leaks.append(f"RSS grew {rss_growth // 1024} MiB over the baseline (tolerance {self.rss_tolerance_kb // 1024} MiB)")
        if shmem_growth > self.shmem_tolerance_kb:
            leaks.append(f"shared RSS grew {shmem_growth // 1024} MiB over the baseline (tolerance {self.shmem_tolerance_kb // 1024} MiB)")
        jit = now.jit_pages() - self.census.jit_pages()
        if jit > 0:
            noise.append(f"+{jit} JIT code mappings")
        return leaks, noise

    def absorb_noise(self, now):
        """Takes runtime files first used during a passing case into the baseline, so they are reported once."""
        self.runtime_fds |= {v[2] for v in now.fds.values() if v[0] == "runtime"}
        self.runtime_maps |= now.runtime_maps()
        self.census.maps = [m for m in self.census.maps if not m[4].startswith(JIT_MEMFD)] + \
            [m for m in now.maps if m[4].startswith(JIT_MEMFD)]


def alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        return stat[stat.rindex(")") + 2] not in "ZX"
    except (OSError, ValueError):
        return False


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        fields = stat[stat.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return 0.0
