#!/usr/bin/env bash
# `make bench-score`: scoring every row of `bench` with profile_score against the same
# model written out as a plain SQL expression (logistic), and a gbdt model (100 trees of
# 31 leaves) against LightGBM's own Python predict on the same rows fetched with
# psycopg. Fails if the two sides of either disagree.
#
#   BENCH_ROWS   rows of the table (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/common.sh

RUNS=3 # timed runs of each query, after one warm-up

. scripts/python-env.sh
python_env target/python target/python.log

bench_build
bench_start
bench_load

echo "Training model m..."
bench_psql -At -c "SET client_min_messages = warning" \
    -c "SELECT 'version ' || version || ', test roc_auc ' || round((metrics #>> '{test,roc_auc}')::numeric, 4)
        FROM profile_train('m', 'bench', 'y', exclude => ARRAY['id'])"

# Model m (its only version) as an SQL expression over a row b of bench:
#   1 / (1 + exp(-(b0 + sum_k b_k * ((x_k - mean_k) / scale_k))))
# Constants are quoted text cast to float8, so they keep every digit the catalog has.
expr=$(bench_psql -At <<'SQL'
SELECT format('1 / (1 + exp(-(%L::float8 + %s)))',
              m.model #>> '{estimator,intercepts,0}',
              string_agg(format('%L::float8 * ((b.%I - %L::float8) / %L::float8)',
                                c.value #>> '{}', f.value ->> 'name',
                                f.value #>> '{encoder,mean}', f.value #>> '{encoder,scale}'),
                         ' + ' ORDER BY f.i))
FROM persona.models m,
     jsonb_array_elements(m.model -> 'features') WITH ORDINALITY AS f(value, i),
     jsonb_array_elements(m.model #> '{estimator,coefficients}') WITH ORDINALITY AS c(value, i)
WHERE m.name = 'm' AND c.i = f.i
  AND m.model #>> '{estimator,kind}' = 'logistic'
  AND m.model #>> '{estimator,classes}' = '2'
GROUP BY m.id
HAVING bool_and(f.value #>> '{encoder,kind}' = 'numeric');
SQL
)
if [ -z "$expr" ]; then
    echo "bench-score: model m is not a binary logistic model over numeric features" >&2
    exit 1
fi

score="profile_score('m', b)"
diff=$(bench_psql -At -c "SELECT max(abs($score - ($expr))) FROM bench b")
echo "max |profile_score - SQL expression| over all rows: $diff"
if ! awk -v d="$diff" 'BEGIN { exit !(d != "" && d + 0 < 1e-9) }'; then
    echo "bench-score: profile_score differs from the SQL expression by more than 1e-9" >&2
    exit 1
fi

# One session: the warm-ups, then the timed runs in turn. psql prints "Time: N ms"
# after each query; \o /dev/null hides the results. count(b) measures what Postgres
# spends building the whole-row value b that any function taking a row is handed.
floor="count(b)"
echo "Timing (1 warm-up + $RUNS runs each)..."
{
    echo '\o /dev/null'
    echo '\timing on'
    for _ in $(seq $((RUNS + 1))); do
        echo "SELECT sum($score) FROM bench b;"
        echo "SELECT sum($expr) FROM bench b;"
        echo "SELECT $floor FROM bench b;"
    done
} >target/bench-score.sql
times=$(bench_psql -f target/bench-score.sql | awk '/^Time:/ { print $2 }')

# Timed runs: after the 3 warm-up lines, every third line is the same query.
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
pick() { echo "$times" | awk -v r="$1" 'NR > 3 && NR % 3 == r'; }
ms_score=$(pick 1 | median)
ms_expr=$(pick 2 | median)
ms_floor=$(pick 0 | median)

echo
bench_machine
echo "rows:       $BENCH_ROWS"
echo
awk -v n="$BENCH_ROWS" -v qa="sum($score)" -v a="$ms_score" -v b="$ms_expr" -v c="$ms_floor" \
    -v ra="$(pick 1 | paste -sd' ')" -v rb="$(pick 2 | paste -sd' ')" -v rc="$(pick 0 | paste -sd' ')" \
    -v summary="$BENCH_SUMMARY" 'BEGIN {
    f = "%-36s %10s %12s   %s\n"
    printf f, "query", "median ms", "rows/s", "runs (ms)"
    printf f, qa, sprintf("%.1f", a), sprintf("%.0f", n / a * 1000), ra
    printf f, "sum(<plain SQL expression>)", sprintf("%.1f", b), sprintf("%.0f", n / b * 1000), rb
    printf f, "count(b) (whole-row floor)", sprintf("%.1f", c), sprintf("%.0f", n / c * 1000), rc
    r = a / b
    printf "\nratio profile_score / SQL expression: %.2f (target <= 1.5): %s\n", r, (r <= 1.5 ? "met" : "missed")
    printf "building the whole row b alone (count(b)): %.2f of the SQL expression time\n", c / b
    if (summary != "")
        printf "score\tprofile_score / plain SQL expression, time\t%.2f\t<= 1.5\t%s\n", r,
            (r <= 1.5 ? "met" : "MISSED") >> summary
}'

# ---------------------------------------------------------------------------------------
# gbdt: 100 trees of 31 leaves, every tree kept, scored in the database and by LightGBM's
# Python package on the rows fetched out of it.
# ---------------------------------------------------------------------------------------
echo
echo "Training gbdt model g (100 trees, 31 leaves)..."
bench_psql -At -c "SET client_min_messages = warning" \
    -c "SELECT 'version ' || version || ', test roc_auc ' || round((metrics #>> '{test,roc_auc}')::numeric, 4)
        FROM profile_train('g', 'bench', 'y', 'gbdt', exclude => ARRAY['id'],
                           options => '{\"num_trees\": 100, \"num_leaves\": 31, \"early_stopping_rounds\": 0}')"
gscore="profile_score('g', b)"
{
    echo '\o /dev/null'
    echo '\timing on'
    for _ in $(seq $((RUNS + 1))); do echo "SELECT sum($gscore) FROM bench b;"; done
} >target/bench-score-gbdt.sql
gtimes=$(bench_psql -f target/bench-score-gbdt.sql | awk '/^Time:/ { print $2 }')
ms_gbdt=$(echo "$gtimes" | tail -n +2 | median)
gsum=$(bench_psql -At -c "SELECT sum($gscore) FROM bench b")

py=()
for _ in $(seq "$RUNS"); do
    py+=("$(cd scripts/bench && "$PYTHON" lightgbm_predict.py --port "$port" --dbname "$BENCH_DB")")
done
field() { awk -v k="$1" '$1 == k { print $2 }'; }
fetch_s=$(for o in "${py[@]}"; do echo "$o" | field fetch_s; done | median)
predict_s=$(for o in "${py[@]}"; do echo "$o" | field predict_s; done | median)
psum=$(echo "${py[0]}" | field sum)
echo "sum of scores: profile_score $gsum, LightGBM $psum"
if ! awk -v a="$gsum" -v b="$psum" -v n="$BENCH_ROWS" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-9 * n) }'; then
    echo "bench-score: profile_score and LightGBM disagree on model g" >&2
    exit 1
fi
echo "$(echo "${py[0]}" | awk '$1 == "versions" { $1 = ""; print substr($0, 2) }')"
echo
awk -v n="$BENCH_ROWS" -v a="$ms_gbdt" -v f="$fetch_s" -v p="$predict_s" \
    -v ra="$(echo "$gtimes" | tail -n +2 | paste -sd' ')" -v summary="$BENCH_SUMMARY" 'BEGIN {
    g = "%-44s %10s %12s\n"
    printf g, "gbdt, 100 trees of 31 leaves", "median ms", "rows/s"
    printf g, "sum(profile_score(\x27g\x27, b)) in the database", sprintf("%.1f", a), sprintf("%.0f", n / a * 1000)
    printf g, "LightGBM Python predict, 1 thread", sprintf("%.1f", p * 1000), sprintf("%.0f", n / p)
    printf g, "Python: fetch (binary COPY) + predict", sprintf("%.1f", (f + p) * 1000), sprintf("%.0f", n / (f + p))
    r1 = a / (p * 1000); r2 = a / ((f + p) * 1000)
    printf "\nratio profile_score / LightGBM predict alone: %.2f\n", r1
    printf "ratio profile_score / (fetch + LightGBM predict): %.2f\n", r2
    if (summary != "") {
        printf "score\tgbdt profile_score / LightGBM predict alone\t%.2f\t(for scale)\t-\n", r1 >> summary
        printf "score\tgbdt profile_score / (fetch + LightGBM predict)\t%.2f\t<= 1\t%s\n", r2,
            (r2 <= 1 ? "met" : "MISSED") >> summary
    }
}'
