"""The same corpus against dpdk-testpmd's vhost-user back-end (net_vhost), for comparison: six ports, io forwarding in
pairs (0,1) (2,3) (4,5): a and its partner a2, bystanders b and c (c in client mode), d (client mode) and its partner
d2. A testpmd that dies on a case is a finding about testpmd: it is restarted and the corpus goes on."""

import glob
import os
import shutil
import subprocess
import tempfile
import time


def run_against_testpmd(args, run):
    exe = shutil.which("dpdk-testpmd")
    if not exe:
        raise SystemExit("dpdk-testpmd not installed (apt-get install dpdk-dev)")
    work = tempfile.mkdtemp(prefix="vhostile-testpmd.")
    sock = {n: os.path.join(work, f"{n}.sock") for n in ("a", "a2", "b", "c", "d", "d2")}
    args.pid = 0
    args.server_victim, args.server_victim_name = sock["a"], None
    args.client_victim, args.client_victim_name = sock["d"], None
    args.peer = [f"a2:server:{sock['a2']}", f"b:server:{sock['b']}", f"c:client:{sock['c']}", f"d2:server:{sock['d2']}"]
    args.bystanders = "b,c"
    args.partner = None
    args.server_partner, args.client_partner = "a2", "d2"
    args.ctl_socket = None
    args.log_file = os.path.join(work, "testpmd.log")
    state = {"proc": None, "n": 0}

    def stop():
        p = state["proc"]
        if p and p.poll() is None:
            try:
                p.stdin.write(b"\n")
                p.stdin.flush()
            except OSError:
                pass
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)
        if state["n"]:
            shutil.rmtree(f"/var/run/dpdk/vhostile{os.getpid()}x{state['n']}", ignore_errors=True)

    def launch():
        stop()
        state["n"] += 1
        prefix = f"vhostile{os.getpid()}x{state['n']}"
        for path in (sock["a"], sock["a2"], sock["b"], sock["d2"]):
            if os.path.exists(path):
                os.unlink(path)
        vdevs = []
        for i, name in enumerate(("a", "a2", "b", "c", "d", "d2")):
            client = ",client=1" if name in ("c", "d") else ""
            vdevs += ["--vdev", f"net_vhost{i},iface={sock[name]},queues=1{client}"]
        cmd = [exe, "-l", args.cores, "--no-pci", "--file-prefix", prefix, "-m", "512", "--huge-unlink", *vdevs, "--",
               "--forward-mode=io", "--port-topology=paired", "--nb-cores=1", "--stats-period=0"]
        log = open(args.log_file, "ab")
        log.write(f"\n=== {' '.join(cmd)}\n".encode())
        log.flush()
        state["proc"] = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not all(os.path.exists(sock[n]) for n in ("a", "a2", "b", "d2")):
            if state["proc"].poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"testpmd did not start; see {args.log_file}")
            time.sleep(0.1)
        return state["proc"].pid

    try:
        return run(args, target="testpmd", launch=launch)
    finally:
        stop()
        for f in glob.glob(os.path.join(work, "*.sock")):
            os.unlink(f)
        keep = os.environ.get("VHOSTILE_KEEP_LOG")
        if keep:
            shutil.copy(args.log_file, keep)
        shutil.rmtree(work, ignore_errors=True)
