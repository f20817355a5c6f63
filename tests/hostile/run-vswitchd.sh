#!/usr/bin/env bash
# Runs the hostile corpus against a fresh vswitchd built in this tree (Release): two server-mode ports (a: attacked,
# b: bystander) and two client-mode ports (c: bystander, d: attacked). Arguments go to hostile.py run (e.g.
# --group chains, --case NAME, --pending exclude, --json out.json). The daemon is stopped by its PID at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
config=${CONFIGURATION:-Release}
daemon="$repo/switch/VSwitch.Daemon/bin/$config/net10.0/vswitchd.dll"
ctl="$repo/cli/VSwitch.Cli/bin/$config/net10.0/vswitchctl.dll"
[ -f "$daemon" ] && [ -f "$ctl" ] || { echo "build first: dotnet build VSwitch.sln -c $config" >&2; exit 2; }
dir=$(mktemp -d /tmp/vhostile.XXXXXX)
dotnet "$daemon" --db "$dir/db.json" --run-dir "$dir/run" --pmd-threads 1 > "$dir/vswitchd.log" 2>&1 &
pid=$!
cleanup() { kill -TERM "$pid" 2>/dev/null; for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done; kill -KILL "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
for _ in $(seq 300); do [ -S "$dir/run/vswitchd.ctl" ] && break; sleep 0.1; done
ctl() { dotnet "$ctl" --run-dir "$dir/run" "$@" > /dev/null; }
ctl add-port a vhostuser; ctl add-port b vhostuser
ctl add-port c vhostuserclient --socket "$dir/c.sock"; ctl add-port d vhostuserclient --socket "$dir/d.sock"
python3 "$here/hostile.py" run --pid "$pid" --ctl-socket "$dir/run/vswitchd.ctl" \
  --server-victim "$dir/run/a.sock" --server-victim-name a --client-victim "$dir/d.sock" --client-victim-name d \
  --peer "b:server:$dir/run/b.sock" --peer "c:client:$dir/c.sock" --bystanders b,c "$@"
