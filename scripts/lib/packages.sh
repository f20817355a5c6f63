# Debian package helpers for the scripts that install what they need (setup.sh, tests/guests/build.sh,
# perf/system-bench.sh). Sourced, not run:
#
#   . "$repo/scripts/lib/packages.sh"
#   find_missing_packages qemu-system-x86 busybox-static
#   if [ ${#missing[@]} -gt 0 ]; then ...; apt_install WHO "${missing[@]}"; fi
#
# The caller keeps the decision of what to do before an install (answer a debconf question, keep apt from
# starting a service, refuse without root), since that differs per script.

# find_missing_packages PACKAGE...: sets the array `missing` to those of PACKAGE... that dpkg does not list as
# installed, in the order given (empty when all are).
find_missing_packages() {
  missing=()
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
}

# apt_install WHO PACKAGE...: says "WHO: installing PACKAGE..." on stderr, refreshes the package lists and installs
# PACKAGE... without recommends and without questions; apt's own output is kept quiet. Needs root.
apt_install() {
  local who=$1
  shift
  echo "$who: installing $*" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
