#!/usr/bin/env bash
# `make bench`: every benchmark (scoring, training, profiles), then one table of the
# ratios each measured against its baseline in the same run.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p target
export BENCH_SUMMARY=$PWD/target/bench-summary.tsv
: >"$BENCH_SUMMARY"
for bench in score train profile; do
    echo
    echo "######## make bench-$bench"
    bash "scripts/bench/$bench.sh"
done
echo
echo "######## summary of make bench"
awk -F '\t' 'BEGIN { f = "%-8s | %-48s | %8s | %-13s | %s\n"
                     printf f, "bench", "measurement", "ratio", "target", "met?" }
             { printf f, $1, $2, $3, $4, $5 }' "$BENCH_SUMMARY"
