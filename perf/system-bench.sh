#!/usr/bin/env bash
# The system benchmark: a dpdk-testpmd generator against testpmd, OVS-DPDK and vswitchd (see perf/README.md).
# Installs what it needs (dpdk-dev, openvswitch-switch-dpdk, iperf3), builds Release, runs. Every option is passed on to
# vswitch-system-bench; `perf/system-bench.sh --help` lists them. Run as root on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/packages.sh

if [ "$(id -u)" != 0 ]; then echo "system-bench: run as root (hugepages, DPDK)" >&2; exit 2; fi

find_missing_packages dpdk-dev openvswitch-switch-dpdk iperf3
if [ ${#missing[@]} -gt 0 ]; then
  # The benchmark starts OVS by hand in a private directory; keep apt from starting the system service meanwhile.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt_install system-bench "${missing[@]}"
fi

if ! grep -q hugetlbfs /proc/mounts || [ "$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)" -lt 512 ]; then
  echo "system-bench: needs >= 512 free 2 MiB hugepages on a mounted hugetlbfs (scripts/setup.sh sets 1024 up)" >&2
  exit 2
fi

dotnet build switch/VSwitch.Daemon -c Release -v quiet -nologo >/dev/null
dotnet build cli/VSwitch.Cli -c Release -v quiet -nologo >/dev/null
dotnet build perf/VSwitch.SystemBench -c Release -v quiet -nologo >/dev/null
exec dotnet perf/VSwitch.SystemBench/bin/Release/net10.0/vswitch-system-bench.dll "$@"
