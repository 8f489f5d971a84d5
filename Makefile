# pg_persona: the commands a person and CI use. See README.md.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
PG_CONFIG ?= /usr/lib/postgresql/15/bin/pg_config
export PG_CONFIG
# LightGBM's build needs CMake >= 3.28; make setup installs it there.
export CMAKE ?= $(HOME)/.cache/pg_persona/cmake/bin/cmake
KEEP ?= 0

.PHONY: setup test demo demo-stop regress install bench bench-score bench-train bench-profile

## Install what building and testing needs (Debian packages, cargo-pgrx, pgrx init).
setup:
	@bash scripts/setup.sh

## Every test level: fmt, clippy, unit tests, #[pg_test]s, pg_regress golden files.
test: setup
	@bash scripts/test.sh

## Release build, a throwaway server, the walkthrough. KEEP=1 leaves the server running.
demo: setup
	@KEEP=$(KEEP) bash scripts/demo.sh

## Stop the server `make demo KEEP=1` left running.
demo-stop:
	@bash scripts/demo-stop.sh

## Only the pg_regress golden files (TESTS="a b" to pick some).
regress: setup
	@bash scripts/regress.sh $(TESTS)

## Install the release build into the PostgreSQL that PG_CONFIG names.
install: setup
	@cargo pgrx install --release --pg-config $(PG_CONFIG) $(if $(filter 0,$(shell id -u)),,--sudo)

## Scoring speed: profile_score against the same model as a plain SQL expression.
bench-score: setup
	@bash scripts/bench/score.sh

## Training speed and quality: profile_train against scikit-learn fed by psycopg.
bench-train: setup
	@bash scripts/bench/train.sh

## Real-time profiles: what profile_define's triggers cost writers, and reading a profile.
bench-profile: setup
	@bash scripts/bench/profile.sh

## Every benchmark, then one summary table of their ratios.
bench: setup
	@bash scripts/bench/all.sh
