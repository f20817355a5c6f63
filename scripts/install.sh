#!/usr/bin/env bash
# Installs vswitchd and vswitchctl as a host service (Release build, systemd unit, socket group, bash completion),
# or removes them again. Idempotent: a second run installs the current build over the first one.
#
#   scripts/install.sh [--prefix DIR] [--group NAME]                   install or upgrade (as root)
#   scripts/install.sh --uninstall [--purge] [--prefix DIR] [--group NAME]
#
# Layout (PREFIX is /usr unless --prefix names another):
#   PREFIX/lib/vswitch/                     the published programs (framework-dependent: the .NET 10 runtime must be
#                                           installed system-wide; the SDK package includes it)
#   PREFIX/bin/vswitchd, vswitchctl         symbolic links to them
#   PREFIX/lib/systemd/system/vswitchd.service, PREFIX/lib/tmpfiles.d/vswitch.conf
#   PREFIX/share/bash-completion/completions/vswitchctl
# and, as root, the system group NAME (default vswitch) that owns the sockets, with libvirt's QEMU user
# libvirt-qemu in it when that user exists. With PREFIX /usr or /usr/local and systemd running, the unit is loaded
# (daemon-reload), the run directories are created (systemd-tmpfiles) and a running vswitchd is restarted on the
# new build; enabling the service is left to you (systemctl enable --now vswitchd). Any other PREFIX is a private
# tree: files and group only.
#
# --uninstall stops and disables the service and removes the files; --purge also removes the group and, for
# PREFIX /usr or /usr/local, the config DB in /var/lib/vswitch. docs/SERVICE.md has the details.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '5,6p' "$0" | sed 's/^# *//'; }

prefix=/usr group=vswitch action=install purge=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
    --prefix=*) prefix=${1#*=}; shift ;;
    --group) group=${2:?--group needs a name}; shift 2 ;;
    --group=*) group=${1#*=}; shift ;;
    --uninstall) action=uninstall; shift ;;
    --purge) purge=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
if [ $purge = 1 ] && [ $action != uninstall ]; then echo "install: --purge goes with --uninstall" >&2; exit 2; fi
if ! [[ $group =~ ^[a-z_][a-z0-9_-]{0,31}$ ]]; then echo "install: '$group' is not a usable group name" >&2; exit 2; fi
prefix=$(realpath -m "$prefix")

bindir=$prefix/bin
appdir=$prefix/lib/vswitch
unit=$prefix/lib/systemd/system/vswitchd.service
tmpfiles=$prefix/lib/tmpfiles.d/vswitch.conf
completion=$prefix/share/bash-completion/completions/vswitchctl
is_root=0; [ "$(id -u)" = 0 ] && is_root=1
# Only these prefixes are on systemd's unit search path; anything else is a private tree.
system_prefix=0; case "$prefix" in /usr|/usr/local) system_prefix=1 ;; esac
systemd_running=0; [ -d /run/systemd/system ] && systemd_running=1
manage_service=$(( system_prefix && systemd_running && is_root ))

say() { echo "install: $*"; }

install_files() {
  if ! sdks=$(dotnet --list-sdks 2>/dev/null) || ! grep -q '^10\.' <<<"$sdks"; then
    echo "install: building needs the .NET 10 SDK ('dotnet' on PATH); README.md#prerequisites says how to install it" >&2
    exit 1
  fi
  stage=$(mktemp -d /tmp/vswitch-install.XXXXXX)
  trap 'rm -rf "$stage"' EXIT
  say "building vswitchd and vswitchctl (Release)"
  for project in switch/VSwitch.Daemon cli/VSwitch.Cli; do
    dotnet publish "$project" -c Release -o "$stage/app" -nologo -v quiet -p:SatelliteResourceLanguages=en >"$stage/publish.log" 2>&1 \
      || { cat "$stage/publish.log" >&2; echo "install: building $project failed" >&2; exit 1; }
  done
  rm -f "$stage"/app/*.xml
  # systemd starts the service with an empty environment, so the runtime must be found without DOTNET_ROOT or PATH:
  # in a global location (/usr/lib/dotnet, /usr/share/dotnet) or one registered in /etc/dotnet/install_location.
  if ! out=$(env -i "$stage/app/vswitchctl" --version 2>&1); then
    cat >&2 <<EOF
install: the .NET 10 runtime is not where a service can find it: with an empty environment vswitchctl says
$(sed 's/^/  /' <<<"$out")
Install the runtime system-wide, e.g. Microsoft's Debian package (apt-get install dotnet-runtime-10.0, from the
repository README.md#prerequisites names); a runtime under a home directory (dotnet-install.sh) is not visible to
a service or to other users.
EOF
    exit 1
  fi

  mkdir -p "$bindir" "$(dirname "$appdir")" "$(dirname "$unit")" "$(dirname "$tmpfiles")" "$(dirname "$completion")"
  # Replace the program directory in one rename, so a running vswitchd keeps its old files until it restarts.
  rm -rf "$appdir.new" "$appdir.old"
  cp -R "$stage/app" "$appdir.new"
  chmod -R u=rwX,go=rX "$appdir.new"
  if [ -d "$appdir" ]; then mv "$appdir" "$appdir.old"; fi
  mv "$appdir.new" "$appdir"
  rm -rf "$appdir.old"
  for program in vswitchd vswitchctl; do
    ln -sfn "../lib/vswitch/$program" "$bindir/$program"
  done
  sed -e "s|@BINDIR@|$bindir|g" -e "s|@GROUP@|$group|g" scripts/service/vswitchd.service > "$unit.new"
  sed -e "s|@GROUP@|$group|g" scripts/service/vswitch.tmpfiles > "$tmpfiles.new"
  cp scripts/service/vswitchctl.bash-completion "$completion.new"
  for f in "$unit" "$tmpfiles" "$completion"; do
    chmod 0644 "$f.new"
    mv "$f.new" "$f"
  done
  say "installed $("$appdir/vswitchd" --version) in $appdir, linked from $bindir"
  say "installed $unit, $tmpfiles, $completion"
}

install_group() {
  if [ $is_root = 0 ]; then
    say "not root: group $group not created; ask root to run: groupadd --system $group"
    return
  fi
  if getent group "$group" >/dev/null; then
    say "group $group exists"
  else
    groupadd --system "$group"
    say "created group $group"
  fi
  # libvirt starts QEMU as libvirt-qemu: in the group it can reach vhostuser sockets and listen in /run/vswitch/qemu.
  if id libvirt-qemu >/dev/null 2>&1; then
    if id -nG libvirt-qemu | tr ' ' '\n' | grep -qx "$group"; then
      say "libvirt-qemu is in group $group"
    else
      usermod -aG "$group" libvirt-qemu
      say "added libvirt-qemu to group $group (VMs started from now on can use the switch's sockets)"
    fi
  else
    say "no libvirt-qemu user (libvirt not installed); run this again after installing libvirt"
  fi
}

activate() {
  if [ $manage_service = 0 ]; then
    if [ $system_prefix = 0 ]; then
      say "private tree $prefix: systemd not told (its unit search path does not include it)"
    elif [ $systemd_running = 0 ]; then
      say "systemd is not running here: the unit takes effect at the next boot with systemd"
    fi
    return
  fi
  systemd-tmpfiles --create "$tmpfiles"
  systemctl daemon-reload
  if systemctl is-active --quiet vswitchd.service; then
    systemctl restart vswitchd.service
    say "restarted vswitchd.service on the new build"
  else
    say "to start it now and at every boot: systemctl enable --now vswitchd"
  fi
}

uninstall() {
  if [ $manage_service = 1 ] && [ -e "$unit" ]; then
    systemctl disable --now vswitchd.service || true
  fi
  for program in vswitchd vswitchctl; do
    # Only our own links: a vswitchd that something else put there stays.
    if [ "$(readlink "$bindir/$program" 2>/dev/null)" = "../lib/vswitch/$program" ]; then rm -f "$bindir/$program"; fi
  done
  rm -rf "$appdir" "$appdir.new" "$appdir.old"
  rm -f "$unit" "$tmpfiles" "$completion"
  if [ $manage_service = 1 ]; then systemctl daemon-reload; fi
  say "removed vswitchd and vswitchctl from $prefix"
  if [ $purge = 1 ]; then
    if [ $is_root = 1 ] && getent group "$group" >/dev/null; then
      groupdel "$group"
      say "removed group $group"
    fi
    if [ $system_prefix = 1 ] && [ $is_root = 1 ]; then
      rm -rf /var/lib/vswitch /run/vswitch
      say "removed /var/lib/vswitch (the config DB) and /run/vswitch"
    fi
  else
    say "kept group $group and the config DB (/var/lib/vswitch); --purge removes them"
  fi
}

case $action in
  install)
    if [ $system_prefix = 1 ] && [ $is_root = 0 ]; then echo "install: installing into $prefix needs root" >&2; exit 1; fi
    install_files
    install_group
    activate
    say "operators: usermod -aG $group USER (then log in again) lets USER run vswitchctl without root"
    ;;
  uninstall)
    uninstall
    ;;
esac
