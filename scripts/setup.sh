#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine (as root) for building, testing and demonstrating VSwitch.
# Idempotent: every step checks before it acts, so running it again costs a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

need_root() { if [ "$(id -u)" != 0 ]; then echo "setup: run as root (apt packages, hugepages, network namespaces)" >&2; exit 1; fi; }
need_root

packages=(
  dpdk-dev              # dpdk-testpmd: the virtio-user frontend and vhost peer the tests talk to
  qemu-system-x86       # real guests for the end-to-end tests and the demo
  busybox-static cpio xz-utils zstd   # guest initramfs
  tshark tcpdump libpcap0.8           # capture files are read back with tshark; libpcap for pcap ports
  iproute2 procps util-linux          # network namespaces, process inspection
  python3                             # tests/hostile: the independent hostile vhost-user front-end
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; the default answer is fine.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET 10 SDK is required (dotnet on PATH)" >&2
  exit 1
fi

# DPDK (testpmd) needs hugepages: 1024 x 2 MiB, and hugetlbfs mounted at /dev/hugepages.
want=1024
have=$(cat /proc/sys/vm/nr_hugepages)
if [ "$have" -lt "$want" ]; then
  echo "$want" > /proc/sys/vm/nr_hugepages
fi
mkdir -p /dev/hugepages
if ! mount | grep -q " /dev/hugepages type hugetlbfs"; then
  mount -t hugetlbfs nodev /dev/hugepages
fi
echo "setup: hugepages $(cat /proc/sys/vm/nr_hugepages) x 2 MiB, hugetlbfs at /dev/hugepages"

if [ -x tests/guests/build.sh ]; then
  tests/guests/build.sh
fi
