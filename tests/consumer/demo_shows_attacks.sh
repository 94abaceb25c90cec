#!/usr/bin/env bash
# `auditstream demo` on its embedded Kafka shows every injected attack as an alert and exits cleanly.
# Usage: demo_shows_attacks.sh AUDITSTREAM
set -euo pipefail
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$1" demo --duration 17 --clusters 1 --rate 200 >"$out"
missing=0
for attack in "Interactive Shell Opened In a Pod" "Privileged Container Requested" \
              "Burst of Forbidden Requests By One Identity" "Many Distinct Secrets Read By One Identity" \
              "Binding To the cluster-admin Role" "RBAC Change Followed By a Workload Write By the Same Identity"; do
  grep -q "$attack" "$out" || { echo "demo: no alert '$attack'" >&2; missing=1; }
done
(( missing == 0 )) || { cat "$out" >&2; exit 1; }
echo "demo: all $(wc -l <"$out") alert lines, every injected attack present"
