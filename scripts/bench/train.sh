#!/usr/bin/env bash
# `make bench-train`: profile_train on `bench` against the same training done in Python
# (fetch with psycopg, scikit-learn LogisticRegression), time and test ROC AUC.
#
#   BENCH_ROWS   rows of the table (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/common.sh

# The Python environment, created once.
. scripts/python-env.sh
python_env target/python target/python.log

bench_build
bench_start
bench_load

echo "profile_train('t', 'bench', 'y', exclude => ARRAY['id'])..."
started=$EPOCHREALTIME
result=$(bench_psql -At -F ' ' -c "SET client_min_messages = warning" \
    -c "SELECT metrics #>> '{test,roc_auc}', metrics #>> '{fit,ms}', metrics #>> '{fit,iterations}'
        FROM profile_train('t', 'bench', 'y', exclude => ARRAY['id'])")
pt_s=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
read -r pt_auc pt_fit_ms pt_iter <<<"$result"

echo "scikit-learn..."
py_out=$("$PYTHON" scripts/bench/sklearn_train.py --port "$port" --dbname "$BENCH_DB")
declare -A py
while read -r key value; do py[$key]=$value; done <<<"$py_out"

echo
bench_machine
echo "python:     ${py[versions]}; ${py[threads]}"
openblas=$(env | grep '^OPENBLAS_' | paste -sd' ' || true)
echo "OPENBLAS_*: ${openblas:-none set}"
echo "rows:       $BENCH_ROWS"
echo
awk -v pt="$pt_s" -v pa="$pt_auc" -v pf="$pt_fit_ms" -v pi="$pt_iter" \
    -v ff="${py[fetch_s]}" -v fs="${py[fit_s]}" -v ts="${py[total_s]}" -v ta="${py[auc]}" \
    -v ti="${py[iterations]}" -v summary="$BENCH_SUMMARY" 'BEGIN {
    f = "%-40s %9s %14s\n"
    printf f, "path", "seconds", "test ROC AUC"
    printf f, "profile_train (wall, from psql)", sprintf("%.2f", pt), sprintf("%.4f", pa)
    printf f, sprintf("  of which fit (%d iterations)", pi), sprintf("%.2f", pf / 1000), ""
    printf f, "Python: fetch (binary COPY)", sprintf("%.2f", ff), ""
    printf f, sprintf("Python: split, scale, fit (%d iterations)", ti), sprintf("%.2f", fs), ""
    printf f, "Python: total", sprintf("%.2f", ts), sprintf("%.4f", ta)
    r = pt / ts
    d = pa - ta
    printf "\nratio profile_train / Python total: %.2f (target <= 1.00): %s\n", r, (r <= 1 ? "met" : "missed")
    printf "AUC difference profile_train - Python: %+.4f (target within 0.005): %s\n", d, (d <= 0.005 && d >= -0.005 ? "met" : "missed")
    if (summary != "") {
        printf "train\tprofile_train / Python (fetch + fit), time\t%.2f\t<= 1.00\t%s\n", r,
            (r <= 1 ? "met" : "MISSED") >> summary
        printf "train\ttest ROC AUC, profile_train - Python\t%+.4f\twithin 0.005\t%s\n", d,
            (d <= 0.005 && d >= -0.005 ? "met" : "MISSED") >> summary
    }
}'
