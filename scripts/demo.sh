#!/usr/bin/env bash
# The main job, end to end: vswitchd with its default configuration, two vhost-user ports added with vswitchctl,
# two QEMU guests (Linux, virtio-net) booted on them, pinging and transferring 8 MiB through the switch; then the
# switch's view: a capture of the ping (tshark -r), show, fdb-show, port-stats, dump-flows. Everything it starts is ended by PID and cleaned up.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

echo "demo: about 2-3 minutes on a 2-CPU machine (setup is quick when already done; guests run under TCG)."
# setup.sh would build the guest kit too; build it once, here, where its directory is needed.
scripts/setup.sh --no-guest-kit
cache=$(tests/guests/build.sh | tail -n 1)
echo "demo: building (Release)"
dotnet build VSwitch.sln -c Release -nologo -v quiet >/dev/null
vswitchd=$root/switch/VSwitch.Daemon/bin/Release/net10.0/vswitchd
vswitchctl=$root/cli/VSwitch.Cli/bin/Release/net10.0/vswitchctl

work=$(mktemp -d /tmp/vswitch-demo.XXXXXX)
run=$work/run
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

ctl() { "$vswitchctl" --run-dir "$run" "$@"; }
pingcap=/tmp/vswitch-demo-ping.pcapng   # left behind for a look with wireshark/tshark

echo "demo: starting vswitchd (datapath thread on CPU 0, adaptive polling)"
taskset -c 0 "$vswitchd" --db "$work/conf.json" --run-dir "$run" --pmd-threads 1 --pmd-cpus 0 >"$work/vswitchd.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$run/vswitchd.ctl" ] && break; sleep 0.1; done
[ -S "$run/vswitchd.ctl" ] || { echo "demo: vswitchd did not start"; cat "$work/vswitchd.log"; exit 1; }

echo "demo: \$ vswitchctl add-port vm1 vhostuser; vswitchctl add-port vm2 vhostuser"
ctl add-port vm1 vhostuser
ctl add-port vm2 vhostuser

echo "demo: \$ vswitchctl capture vm1 --filter icmp -w $(basename "$pingcap") &    (the guests' ping, seen on vm1)"
# vswitchctl itself in the background (not through ctl, a function, whose $! would be a subshell).
"$vswitchctl" --run-dir "$run" capture vm1 --filter icmp -w "$pingcap" 2>"$work/capture.log" &
capture=$!
pids+=($capture)

# The kernel arguments are the test kit's (tests/guests/README.md says what each one is for).
guest() { # name mac socket role ip peer
  taskset -c 1 timeout 300 qemu-system-x86_64 -name "$1" -nodefaults -no-user-config -display none -no-reboot \
    -machine pc,accel=tcg -m 256 -smp 1 \
    -object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem \
    -kernel "$cache/vmlinux" -initrd "$cache/initramfs.cpio.gz" \
    -append "console=ttyS0 quiet panic=-1 no_timer_check cryptomgr.notests vs.role=$4 vs.ip=$5 vs.peer=$6 vs.count=5 vs.bytes=8388608 vs.time=60" \
    -serial "file:$work/$1.console" \
    -chardev "socket,id=c0,path=$3,reconnect=1" -netdev vhost-user,id=n0,chardev=c0,queues=1 \
    -device "virtio-net-pci,netdev=n0,mac=$2,vectors=0" >"$work/$1.qemu.log" 2>&1 &
  pids+=($!)
}
echo "demo: booting guest a (10.0.0.1 on vm1) and guest b (10.0.0.2 on vm2)"
guest a 52:54:00:00:00:0a "$run/vm1.sock" ping,recv,idle 10.0.0.1/24 10.0.0.2
guest b 52:54:00:00:00:0b "$run/vm2.sock" ping,send,idle 10.0.0.2/24 10.0.0.1

for _ in $(seq 600); do
  # Both guests stay up (role idle) after the transfer, so the switch is shown with its ports running.
  if grep -q "VSRESULT recv " "$work/a.console" 2>/dev/null && grep -q "VSRESULT send " "$work/b.console" 2>/dev/null; then break; fi
  sleep 0.5
done
for g in a b; do
  echo "--- guest $g"
  grep -h "VSRESULT" "$work/$g.console" | sed 's/^/    /' || true
done

# Stop the capture as Ctrl-C would (SIGTERM: a script's background jobs ignore SIGINT); vswitchctl completes the
# file and prints its totals.
kill -TERM "$capture" 2>/dev/null || true
for _ in $(seq 100); do kill -0 "$capture" 2>/dev/null || break; sleep 0.1; done
echo; echo "--- capture of vm1 (icmp), $pingcap"; sed 's/^/    /' "$work/capture.log"
if command -v tshark >/dev/null; then echo "\$ tshark -r $pingcap"; tshark -r "$pingcap" 2>&1 | sed 's/^/    /'; fi

echo; echo "\$ vswitchctl show"; ctl show
echo; echo "\$ vswitchctl fdb-show"; ctl fdb-show
echo; echo "\$ vswitchctl port-stats"; ctl port-stats
echo; echo "\$ vswitchctl dump-flows"; ctl dump-flows

ok=1
grep -q "VSRESULT ping .*received=5" "$work/a.console" || ok=0
grep -q "VSRESULT ping .*received=5" "$work/b.console" || ok=0
sent=$(sed -n 's/.*VSRESULT send .*md5=\([0-9a-f]*\).*/\1/p' "$work/b.console")
got=$(sed -n 's/.*VSRESULT recv .*md5=\([0-9a-f]*\).*/\1/p' "$work/a.console")
[ -n "$sent" ] && [ "$sent" = "$got" ] || ok=0
if [ $ok = 1 ]; then
  echo; echo "demo: guests pinged both ways and moved 8 MiB through vswitchd (md5 $sent on both sides)."
else
  echo; echo "demo: FAILED; vswitchd log:"; tail -40 "$work/vswitchd.log"; exit 1
fi
