#!/usr/bin/env bash
# Builds the guest kit: a Debian kernel (uncompressed, bootable by QEMU through its PVH note) and an initramfs
# holding busybox-static, the virtio-net modules and the role-driven init. Everything comes from Debian packages.
#
#   tests/guests/build.sh [--cache DIR]
#
# The result lives in DIR/<kernel-package>_<version>/ (DIR defaults to .cache/guests in the repository root, or
# $VSWITCH_GUEST_CACHE). The last line printed on stdout is that directory; progress goes to stderr.
# Idempotent: a second run finds everything cached and returns in well under a second. Concurrent runs serialise
# on a lock file. Installing packages and downloading the kernel need root; a filled cache does not.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/scripts/lib/packages.sh"
cache_root=${VSWITCH_GUEST_CACHE:-$repo/.cache/guests}
if [ "${1:-}" = "--cache" ]; then
  cache_root=$2
fi

log() { echo "guests: $*" >&2; }
die() { echo "guests: error: $*" >&2; exit 1; }

mkdir -p "$cache_root"
cache_root=$(cd "$cache_root" && pwd)
exec 9>"$cache_root/.lock"
flock 9

# --- 1. Host packages -------------------------------------------------------------------------------------------
find_missing_packages qemu-system-x86 busybox-static cpio xz-utils zstd
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing packages ${missing[*]}; run as root to install them"
  apt_install guests "${missing[@]}"
fi

# --- 2. Which kernel package ------------------------------------------------------------------------------------
# linux-image-amd64 is Debian's meta package; it depends on exactly one image package at one version, e.g.
# "Depends: linux-image-6.1.0-56-amd64 (= 6.1.192-2)". apt-cache takes most of a second here (no binary cache), so
# the answer is remembered until the package lists change.
resolve_kernel_package() {
  if [ -n "${VSWITCH_GUEST_KERNEL_PACKAGE:-}" ]; then
    echo "$VSWITCH_GUEST_KERNEL_PACKAGE $(apt-cache show --no-all-versions "$VSWITCH_GUEST_KERNEL_PACKAGE" 2>/dev/null \
      | sed -nE 's/^Version: (.*)$/\1/p' | head -1)"
    return
  fi
  apt-cache show --no-all-versions linux-image-amd64 2>/dev/null \
    | sed -nE 's/^Depends:.*(linux-image-[0-9][^ ,]*-amd64) \(= ([^)]+)\).*$/\1 \2/p' | head -1
}
lists_state=$(ls -l --time-style=+%s /var/lib/apt/lists/ 2>/dev/null | sha256sum | cut -d' ' -f1)
lists_state="$lists_state ${VSWITCH_GUEST_KERNEL_PACKAGE:-}"
resolved=""
if [ -s "$cache_root/.resolved" ] && [ "$(head -1 "$cache_root/.resolved")" = "$lists_state" ]; then
  resolved=$(sed -n 2p "$cache_root/.resolved")
fi
if [ -z "$resolved" ]; then
  resolved=$(resolve_kernel_package)
  if [ -z "${resolved#* }" ] && [ "$(id -u)" = 0 ]; then
    apt-get update -qq || true
    resolved=$(resolve_kernel_package)
    lists_state=$(ls -l --time-style=+%s /var/lib/apt/lists/ 2>/dev/null | sha256sum | cut -d' ' -f1)
    lists_state="$lists_state ${VSWITCH_GUEST_KERNEL_PACKAGE:-}"
  fi
  if [ -n "${resolved#* }" ]; then
    printf '%s\n%s\n' "$lists_state" "$resolved" > "$cache_root/.resolved"
  fi
fi
kpkg=${resolved%% *}
kver=${resolved#* }
[ "$kver" = "$resolved" ] && kver=""
if [ -z "$kpkg" ] || [ -z "$kver" ]; then
  # No package index (offline): fall back to the newest kernel already cached.
  fallback=$(find "$cache_root" -mindepth 2 -maxdepth 2 -name vmlinux -printf '%h\n' 2>/dev/null | sort -V | tail -1)
  [ -n "$fallback" ] || die "cannot resolve the kernel package from linux-image-amd64 and nothing is cached"
  log "package index unavailable; using cached $(basename "$fallback")"
  dir=$fallback
else
  dir="$cache_root/${kpkg}_${kver}"
fi
mkdir -p "$dir"

# --- 3. Kernel and modules from the .deb -------------------------------------------------------------------------
if [ ! -s "$dir/vmlinux" ] || [ ! -s "$dir/modules.load" ]; then
  [ -n "$kpkg" ] || die "kernel not cached and no package to fetch"
  work=$(mktemp -d "$cache_root/.work.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  log "downloading $kpkg $kver"
  (cd "$work" && apt-get download "$kpkg=$kver" >/dev/null 2>&1) || die "apt-get download $kpkg=$kver failed"
  log "unpacking"
  dpkg -x "$work"/*.deb "$work/root"
  rel=$(basename "$(find "$work/root/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -1)")
  [ -n "$rel" ] || die "no /lib/modules in $kpkg"
  mods="$work/root/lib/modules/$rel"
  cp "$work/root/boot/vmlinuz-$rel" "$dir/vmlinuz"

  # The uncompressed kernel, as the kernel's scripts/extract-vmlinux finds it. The x86 boot protocol (2.08+) puts
  # setup_sects at 0x1f1 and the compressed payload's offset and length at 0x248/0x24c; the offset counts from the
  # protected-mode code, which starts (setup_sects + 1) * 512 bytes into the bzImage. The payload ends with a
  # 4-byte decompressed size that is not part of the compressed stream.
  bz="$dir/vmlinuz"
  setup_sects=$(od -A n -t u1 -j $((0x1f1)) -N 1 "$bz" | tr -d ' ')
  [ "$setup_sects" -ne 0 ] || setup_sects=4
  read -r poff plen < <(od -A n -t u4 -j $((0x248)) -N 8 "$bz")
  start=$(( (setup_sects + 1) * 512 + poff ))
  payload="$work/payload"
  dd if="$bz" of="$payload" bs=1M iflag=skip_bytes,count_bytes skip=$start count=$((plen - 4)) status=none
  magic=$(od -A n -t x1 -N 6 "$payload" | tr -d ' ')
  case "$magic" in
    fd377a585a00*) xz -dc < "$payload" > "$work/vmlinux" ;;
    1f8b*) gzip -dc < "$payload" > "$work/vmlinux" ;;
    28b52ffd*) zstd -dc < "$payload" > "$work/vmlinux" ;;
    5d0000*) xz -dc --format=lzma < "$payload" > "$work/vmlinux" ;;
    *) die "unknown kernel compression (payload starts with $magic)" ;;
  esac
  [ "$(od -A n -t x1 -N 4 "$work/vmlinux" | tr -d ' ')" = 7f454c46 ] || die "decompressed kernel is not an ELF file"
  grep -q '^CONFIG_PVH=y' "$work/root/boot/config-$rel" || log "warning: kernel lacks CONFIG_PVH; boot vmlinuz instead"

  # Modules: the package carries no modules.dep (depmod writes it at install time), so read each module's own
  # "depends=" field from its .modinfo section and order the set so that every module follows its dependencies.
  mkdir -p "$work/mods"
  find_module() { find "$mods" -name "$1.ko" -o -name "$1.ko.xz" -o -name "$1.ko.zst" -o -name "$1.ko.gz" | head -1; }
  fetch_module() {
    local name=$1 src
    [ -e "$work/mods/$name.ko" ] && return 0
    src=$(find_module "$name")
    [ -z "$src" ] && src=$(find_module "${name//_/-}")
    [ -n "$src" ] || { grep -q "/$name.ko\$" "$mods/modules.builtin" && return 0; die "module $name not found"; }
    case "$src" in
      *.xz) xz -dc < "$src" > "$work/mods/$name.ko" ;;
      *.zst) zstd -dc < "$src" > "$work/mods/$name.ko" ;;
      *.gz) gzip -dc < "$src" > "$work/mods/$name.ko" ;;
      *) cp "$src" "$work/mods/$name.ko" ;;
    esac
  }
  declare -A visited=()
  order=()
  visit() {
    local name=$1 dep
    [ -n "${visited[$name]:-}" ] && return 0
    visited[$name]=1
    fetch_module "$name"
    [ -e "$work/mods/$name.ko" ] || return 0
    for dep in $(tr '\0' '\n' < "$work/mods/$name.ko" | sed -nE 's/^depends=//p' | tr ',' ' '); do
      visit "${dep//-/_}"
    done
    order+=("$name")
  }
  visit virtio_pci
  visit virtio_net
  rm -rf "$dir/modules"
  mv "$work/mods" "$dir/modules"
  printf '%s\n' "${order[@]}" > "$dir/modules.load.tmp"
  echo "$rel" > "$dir/kernel.release"
  mv "$work/vmlinux" "$dir/vmlinux"
  mv "$dir/modules.load.tmp" "$dir/modules.load"
  rm -rf "$work"
  trap - EXIT
  log "kernel $rel, modules: ${order[*]}"
fi

# --- 4. Initramfs ------------------------------------------------------------------------------------------------
# Rebuilt whenever the init script, this script or busybox changes.
busybox_bin=/bin/busybox
[ -x "$busybox_bin" ] || die "busybox-static is not installed"
stamp=$( (sha256sum "$here/init" "$here/payload.sh" "$here/build.sh" "$busybox_bin" "$dir/modules.load" | cut -d' ' -f1) | sha256sum | cut -d' ' -f1)
if [ ! -s "$dir/initramfs.cpio.gz" ] || [ "$(cat "$dir/initramfs.stamp" 2>/dev/null)" != "$stamp" ]; then
  stage=$(mktemp -d "$cache_root/.initramfs.XXXXXX")
  trap 'rm -rf "$stage"' EXIT
  mkdir -p "$stage"/{bin,dev,proc,sys,tmp,etc,lib/modules}
  cp "$busybox_bin" "$stage/bin/busybox"
  for applet in $("$busybox_bin" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
  done
  ln -s bin "$stage/sbin"
  while read -r m; do
    cp "$dir/modules/$m.ko" "$stage/lib/modules/"
  done < "$dir/modules.load"
  cp "$dir/modules.load" "$stage/etc/modules.load"
  cp "$here/init" "$stage/init"
  cp "$here/payload.sh" "$stage/lib/payload.sh"
  chmod 755 "$stage/init"
  # The kernel opens /dev/console before init runs; without the node init starts with no stdout.
  mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true
  (cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -n -6) > "$dir/initramfs.cpio.gz.tmp"
  mv "$dir/initramfs.cpio.gz.tmp" "$dir/initramfs.cpio.gz"
  echo "$stamp" > "$dir/initramfs.stamp"
  rm -rf "$stage"
  trap - EXIT
  log "initramfs built ($(stat -c %s "$dir/initramfs.cpio.gz") bytes)"
fi

echo "$dir"
