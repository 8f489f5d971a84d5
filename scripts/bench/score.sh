#!/usr/bin/env bash
# `make bench-score`: scoring every row of `bench` with profile_score against the same
# model written out as a plain SQL expression. Fails if the two disagree.
#
#   BENCH_ROWS   rows of the table (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/common.sh

RUNS=3 # timed runs of each query, after one warm-up

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

# One session: both warm-ups, then the timed runs alternating. psql prints
# "Time: N ms" after each query; \o /dev/null hides the sums themselves.
echo "Timing (1 warm-up + $RUNS runs each)..."
{
    echo '\o /dev/null'
    echo '\timing on'
    echo "SELECT sum($score) FROM bench b;"
    echo "SELECT sum($expr) FROM bench b;"
    for _ in $(seq "$RUNS"); do
        echo "SELECT sum($score) FROM bench b;"
        echo "SELECT sum($expr) FROM bench b;"
    done
} >target/bench-score.sql
times=$(bench_psql -f target/bench-score.sql | awk '/^Time:/ { print $2 }')

# Timed runs: lines 3, 5, 7... are profile_score, 4, 6, 8... the expression.
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ms_score=$(echo "$times" | awk 'NR > 2 && NR % 2 == 1' | median)
ms_expr=$(echo "$times" | awk 'NR > 2 && NR % 2 == 0' | median)
runs_score=$(echo "$times" | awk 'NR > 2 && NR % 2 == 1' | paste -sd' ')
runs_expr=$(echo "$times" | awk 'NR > 2 && NR % 2 == 0' | paste -sd' ')

echo
bench_machine
echo "rows:       $BENCH_ROWS"
echo
awk -v n="$BENCH_ROWS" -v qa="sum($score)" -v a="$ms_score" -v b="$ms_expr" -v ra="$runs_score" -v rb="$runs_expr" 'BEGIN {
    f = "%-36s %10s %12s   %s\n"
    printf f, "query", "median ms", "rows/s", "runs (ms)"
    printf f, qa, sprintf("%.1f", a), sprintf("%.0f", n / a * 1000), ra
    printf f, "sum(<plain SQL expression>)", sprintf("%.1f", b), sprintf("%.0f", n / b * 1000), rb
    r = a / b
    printf "\nratio profile_score / SQL expression: %.2f (target <= 1.5): %s\n", r, (r <= 1.5 ? "met" : "missed")
}'
