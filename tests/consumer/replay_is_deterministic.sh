#!/usr/bin/env bash
# replay gives byte-identical alerts with 1, 2 and 3 threads over the same input (ordered output,
# correlation shards merged in batch order, ids derived from the events only).
# Usage: replay_is_deterministic.sh AUDITSTREAM RULES INPUT...
set -euo pipefail
binary=$1 rules=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for threads in 1 2 3; do
  "$binary" replay --quiet --rules "$rules" --threads "$threads" "$@" >"$work/$threads"
done
[[ -s $work/1 ]] || { echo "no alerts at all from $*" >&2; exit 1; }
cmp "$work/1" "$work/2"
cmp "$work/1" "$work/3"
echo "identical: $(wc -l <"$work/1") alerts"
