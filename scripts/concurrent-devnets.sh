#!/usr/bin/env bash
# Starts N devnets at once (scripts/devnet-once.ts), R rounds, from the checkout CODE, inside a
# private network namespace whose ephemeral port range is RANGE ("low high"), so that the kernel's
# port-0 allocations collide as often as on a busy machine without touching the host's settings.
# Prints one line per devnet (OK, or FAIL with the error). Linux, as root (unshare --net).
#
#   scripts/concurrent-devnets.sh <checkout> <N> <R> ["40000 40199"]
#
# docs/testing.md shows it against the commit before the port allocator (chains answering for
# other devnets' chains) and after it (none).
set -euo pipefail
code=$(cd "$1" && pwd)
n=$2
rounds=$3
range=${4:-40000 40199}
once=$(cd "$(dirname "$0")" && pwd)/devnet-once.ts
exec unshare --net bash -c "
  ip link set lo up
  echo '$range' > /proc/sys/net/ipv4/ip_local_port_range
  cd '$code'
  for r in \$(seq 1 $rounds); do
    for i in \$(seq 1 $n); do node --import tsx '$once' r\$r-d\$i & done
    wait
  done
"
