#!/usr/bin/env bash
# Runs the underlay prototype (underlay-bench.c) between two network namespaces joined by a veth link, for each way
# to the wire and two datagram sizes, and prints one table. As root; about 2 minutes.
#
#   perf/underlay/run.sh [--seconds S] [--reps N]
#
# The namespaces and the veth pair are named after this script's PID and removed on exit.
set -euo pipefail
cd "$(dirname "$0")"
seconds=3
reps=3
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    *) echo "usage: $0 [--seconds S] [--reps N]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "run as root (namespaces, raw and packet sockets)" >&2; exit 1; }
bin=$(mktemp -d)/underlay-bench
gcc -O2 -Wall -o "$bin" underlay-bench.c
a=ubA$$; b=ubB$$
cleanup() { ip netns del "$a" 2>/dev/null || true; ip netns del "$b" 2>/dev/null || true; rm -rf "$(dirname "$bin")"; }
trap cleanup EXIT
ip netns add "$a"; ip netns add "$b"
ip link add ub0 netns "$a" type veth peer name ub1 netns "$b"
ip -n "$a" addr add 10.231.0.1/24 dev ub0; ip -n "$b" addr add 10.231.0.2/24 dev ub1
ip -n "$a" link set ub0 up; ip -n "$b" link set ub1 up
ip -n "$a" link set lo up; ip -n "$b" link set lo up
mac_b=$(ip netns exec "$b" cat /sys/class/net/ub1/address)
ip netns exec "$a" busybox ping -c 1 -W 2 10.231.0.2 >/dev/null
echo "# $(date -u +%FT%TZ) kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# mode size rep: tx pps / rx pps (rx Gbit/s of UDP payload)"
for size in 72 1472; do
  for mode in udp gso raw packet; do
    for rep in $(seq "$reps"); do
      rxmode=$mode; [ "$mode" = raw ] && rxmode=udp
      ip netns exec "$b" "$bin" rx "$rxmode" 10.231.0.2 "$seconds" ub1 > /tmp/ub-rx-$$ &
      rxpid=$!
      sleep 0.3
      txline=$(ip netns exec "$a" "$bin" tx "$mode" 10.231.0.1 10.231.0.2 "$size" "$seconds" ub0 "$mac_b")
      wait "$rxpid"
      rxline=$(cat /tmp/ub-rx-$$)
      txpps=$(sed -n 's/.* pps=\([0-9]*\).*/\1/p' <<<"$txline")
      rxpps=$(sed -n 's/.* pps=\([0-9]*\).*/\1/p' <<<"$rxline")
      rxgbit=$(sed -n 's/.* gbit=\([0-9.]*\).*/\1/p' <<<"$rxline")
      echo "$mode $size $rep: $txpps / $rxpps ($rxgbit)"
    done
  done
done
rm -f /tmp/ub-rx-$$
