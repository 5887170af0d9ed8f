#!/usr/bin/env bash
# Wall time of a whole suite's protocol with --workers 1 and then --workers 2,
# back to back on this machine (issue #18's speed check): each in a fresh
# folder of its own, so every fold-run trains (none is reused from runs/ or
# from the other pass) and both start from the same warm image cache. The
# second pass's runs.csv must equal the first's in every column but the
# timings (the trainer is deterministic per seed and backend); the script
# checks that too. Nothing else should run on the machine meanwhile.
#
#   scripts/bench-workers.sh [SUITE=experiments/table4.yaml] [PROTOCOL=quick] [OUT=results/bench/workers-table4.md]
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
SUITE=${SUITE:-experiments/table4.yaml}
PROTOCOL=${PROTOCOL:-quick}
OUT=${OUT:-results/bench/workers-$(basename "$SUITE" .yaml).md}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dresnet-bench-workers-XXXXXX")
trap 'rm -rf "$WORK"' EXIT

run_pass() {
  local workers=$1 dir="$WORK/w$1"
  mkdir -p "$dir"
  local start end
  start=$(date +%s.%N)
  (cd "$dir" && node "$REPO/bin/dresnet.js" compare --suite "$REPO/$SUITE" --protocol "$PROTOCOL" --workers "$workers" \
    --no-probe -q -o "$dir/results" > "$dir/log.txt" 2>&1)
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

# The decoded-image cache is shared (<package>/.cache): warm it first, so neither pass pays for it.
node bin/dresnet.js data info --config configs/dresnet_herlev7.yaml --set data.inputSize=64 > /dev/null 2>&1 || true

w1=$(run_pass 1)
w2=$(run_pass 2)
ratio=$(echo "scale=3; $w1 / $w2" | bc)

# Same figures from both passes, timings and run folders aside.
strip() { python3 - "$1" <<'EOF'
import csv, sys
drop = {'seconds', 'train_img_per_s', 'run_dir', 'peak_rss_infer_mb', 'peak_rss_train_mb', 'latency_ms', 'train_step_ms'}
rows = list(csv.DictReader(open(sys.argv[1])))
print('\n'.join(','.join(f'{k}={v}' for k, v in sorted(r.items()) if k not in drop) for r in rows))
EOF
}
if diff <(strip "$WORK/w1/results/runs.csv") <(strip "$WORK/w2/results/runs.csv") > "$WORK/diff.txt"; then same=yes; else same=no; fi
rows=$(($(wc -l < "$WORK/w1/results/runs.csv") - 1))

mkdir -p "$(dirname "$OUT")"
cat > "$OUT" <<EOF
# Wall time of \`$SUITE\` (\`$PROTOCOL\` protocol) with --workers 1 and --workers 2, back to back

- machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m); $(node --version)
- commit: $(git rev-parse --short HEAD); measured $(date -u +%Y-%m-%dT%H:%MZ)
- each pass in a fresh folder (every one of the $rows fold-runs trained), no probe

| workers | wall time (s) |
| --- | --- |
| 1 | $(printf %.0f "$w1") |
| 2 | $(printf %.0f "$w2") |

Speed-up of --workers 2 over --workers 1: **${ratio}×**. runs.csv of the two passes equal in every column but the timings: **$same**.
EOF
cat "$OUT"
[ "$same" = yes ] || { cat "$WORK/diff.txt" | head -20; exit 1; }
