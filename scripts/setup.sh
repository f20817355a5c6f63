#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine (as root) for building, testing and demonstrating VSwitch.
# Idempotent: every step checks before it acts, so running it again costs a few seconds.
#
#   scripts/setup.sh [--no-guest-kit]
#
# --no-guest-kit leaves out building the guest kit (tests/guests/build.sh), for a caller that runs it itself
# because it needs the kit's directory (build.sh prints it).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/packages.sh
guest_kit=1
if [ "${1:-}" = "--no-guest-kit" ]; then
  guest_kit=0
fi

need_root() { if [ "$(id -u)" != 0 ]; then echo "setup: run as root (apt packages, hugepages, network namespaces)" >&2; exit 1; fi; }
need_root

# The .NET 10 SDK comes first: it is the one prerequisite this script cannot install (Debian 12 has no package for
# it), so say so before any slow step.
if ! sdks=$(dotnet --list-sdks 2>/dev/null) || ! grep -q '^10\.' <<<"$sdks"; then
  cat >&2 <<EOF
setup: the .NET 10 SDK is required: 'dotnet' on PATH with a 10.x SDK (found: ${sdks:-no dotnet}).
Debian 12 does not package it; install Microsoft's build, then run this again. Either the Debian package:
  wget https://packages.microsoft.com/config/debian/12/packages-microsoft-prod.deb
  dpkg -i packages-microsoft-prod.deb && apt-get update && apt-get install -y dotnet-sdk-10.0
or the install script (puts the SDK in ~/.dotnet):
  wget https://dot.net/v1/dotnet-install.sh && bash dotnet-install.sh --channel 10.0
  export PATH=\$HOME/.dotnet:\$PATH DOTNET_ROOT=\$HOME/.dotnet
EOF
  exit 1
fi

packages=(
  dpdk-dev              # dpdk-testpmd: the virtio-user frontend and vhost peer the tests talk to
  qemu-system-x86       # real guests for the end-to-end tests and the demo
  busybox-static cpio xz-utils zstd   # guest initramfs
  tshark tcpdump libpcap0.8           # capture files are read back with tshark; libpcap for pcap ports
  iproute2 procps util-linux          # network namespaces, process inspection
  openvswitch-common                  # ovs-ofctl: the real OpenFlow 1.3 client the OpenFlow tests drive the switch with
  python3-os-ken                      # os-ken: the real OpenFlow 1.3 controller stack of the OpenFlow interop tests
  gcc libc6-dev                       # builds libvswitch_guard.so (ports/VSwitch.VhostUser/Native) with the solution
  python3                             # tests/hostile: the independent hostile vhost-user front-end
  iperf3 ethtool                      # TCP through tap ports with offloads (iperf3); the taps' offload features (ethtool -k)
)
find_missing_packages "${packages[@]}"
if [ ${#missing[@]} -gt 0 ]; then
  # tshark asks whether non-root users may capture; the default answer is fine.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt_install setup "${missing[@]}"
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

if [ $guest_kit = 1 ] && [ -x tests/guests/build.sh ]; then
  tests/guests/build.sh
fi
