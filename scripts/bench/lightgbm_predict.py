"""The Python side of the gbdt line of scripts/bench/score.sh: fetch x1..x20 of `bench`
with psycopg (binary COPY), load model g from profile_export('g') into LightGBM and
predict every row, on one thread, as profile_score does.

Prints `name value` lines: rows, fetch_s, predict_s, sum (of the predictions, to check
against profile_score's), and the versions used.
"""

import argparse
import time

import lightgbm as lgb
import numpy as np
import psycopg

from sklearn_train import FEATURES, parse_binary_copy


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dbname", default="bench")
    args = parser.parse_args()
    conninfo = f"host=127.0.0.1 port={args.port} dbname={args.dbname} user=postgres"

    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        cur.execute("SELECT profile_export('g')")
        (model_text,) = cur.fetchone()
    booster = lgb.Booster(model_str=model_text)

    started = time.perf_counter()
    query = f"COPY (SELECT {', '.join(FEATURES)} FROM bench) TO STDOUT (FORMAT binary)"
    data = bytearray()
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        with cur.copy(query) as copy:
            for chunk in copy:
                data += chunk
    x = parse_binary_copy(data, len(FEATURES))
    fetched = time.perf_counter()
    predictions = booster.predict(x, num_threads=1)
    done = time.perf_counter()

    print(f"rows {len(x)}")
    print(f"fetch_s {fetched - started:.3f}")
    print(f"predict_s {done - fetched:.3f}")
    print(f"sum {float(np.sum(predictions)):.10f}")
    print(f"versions lightgbm {lgb.__version__}, numpy {np.__version__}")


if __name__ == "__main__":
    main()
