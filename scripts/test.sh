#!/usr/bin/env bash
# `make test` (after `make setup`): every level of the test suite, in order, each one's
# full output kept in target/test-logs/<level>.log. Prints each runner's summary line,
# the whole log of any level that fails, and a closing count. Exits non-zero if any
# level fails; later levels still run so one report shows everything.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/pg.sh

logs=target/test-logs
rm -rf "$logs" && mkdir -p "$logs"
passed=0
failed=0
failed_levels=()

# Adds a log's test counts to the totals: cargo's "test result:" lines and
# pg_regress's closing line.
count() {
    local log=$1 p f n
    while read -r p f; do
        passed=$((passed + p)); failed=$((failed + f))
    done < <(sed -nE 's/^test result: [A-Za-z]+\. ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/p' "$log")
    if n=$(sed -nE 's/^ *All ([0-9]+) tests passed\. *$/\1/p' "$log") && [ -n "$n" ]; then
        passed=$((passed + n))
    fi
    if read -r f n < <(sed -nE 's/^ *([0-9]+) of ([0-9]+) tests failed\. *$/\1 \2/p' "$log"); then
        failed=$((failed + f)); passed=$((passed + n - f))
    fi
}

# level NAME SUMMARY_PATTERN COMMAND...: runs COMMAND, prints the lines of its output
# that match SUMMARY_PATTERN, or its whole output if it fails.
level() {
    local name=$1 pattern=$2 log="$logs/$1.log" start=$SECONDS
    shift 2
    echo "== $name: $*"
    if "$@" >"$log" 2>&1; then
        grep -E "$pattern" "$log" | sed 's/^/   /'
        echo "   ok ($((SECONDS - start)) s)"
    else
        sed 's/^/   | /' "$log"
        echo "   FAILED ($((SECONDS - start)) s; log in $log)"
        failed_levels+=("$name")
    fi
    count "$log"
}

# The plain Rust tests of the learning code and of the profile definitions' parser and
# SQL generator. The library's other tests are #[pg_test]s, which need a server: the
# pgtest level runs them.
unit_tests() {
    cargo test --lib -- ml:: profile::spec:: profile::sql:: && cargo test --test ml_is_pure
}

pgtest_dir=$(server_dir pgtest)

level fmt    '^$'                          cargo fmt --check
level clippy '^$'                          cargo clippy --all-targets --features pg_test -- -D warnings
level unit   '^test result|^     Running'  unit_tests
level pgtest '^test result|^     Running'  cargo pgrx test pg15 --runas "$PG_USER" --pgdata "$pgtest_dir/data"
level regress 'tests passed|tests failed|^(test|ok|not ok) |quick start|progress notices|gbdt against LightGBM|demo walkthrough|concurrent writers|define while writing|dump and restore' bash scripts/regress.sh

echo
if [ ${#failed_levels[@]} -gt 0 ]; then
    echo "failed levels: ${failed_levels[*]}"
fi
echo "tests: $passed passed, $failed failed"
[ ${#failed_levels[@]} -eq 0 ] && [ "$failed" -eq 0 ]
