#!/usr/bin/env bash
# replay gives byte-identical alerts with 1 and 2 threads over the same input (ordered output, ids
# derived from the events only). Usage: replay_is_deterministic.sh AUDITSTREAM RULES INPUT
set -euo pipefail
binary=$1 rules=$2 input=$3
one=$(mktemp) two=$(mktemp)
trap 'rm -f "$one" "$two"' EXIT
"$binary" replay --quiet --rules "$rules" --threads 1 "$input" "$input" >"$one"
"$binary" replay --quiet --rules "$rules" --threads 2 "$input" "$input" >"$two"
[[ -s $one ]] || { echo "no alerts at all from $input" >&2; exit 1; }
cmp "$one" "$two"
echo "identical: $(wc -l <"$one") alerts"
