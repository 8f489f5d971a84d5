"""The Python side of scripts/bench/train.sh: fetch `bench` from PostgreSQL, split it
70/20/10 (stratified, fixed seed), standardize on the training part, fit scikit-learn's
LogisticRegression (C=1, lbfgs) and report the ROC AUC on the 10% test part.

Prints `name value` lines: rows, fetch_s, fit_s (split + scaling + fit), total_s
(connect to AUC; interpreter start-up and imports excluded), auc, iterations, and the
versions and thread pools used.
"""

import argparse
import time

import numpy as np
import psycopg
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info

FEATURES = [f"x{k}" for k in range(1, 21)]
SEED = 42


def fetch(conninfo):
    """All rows as a float64 matrix, the label (0/1) in the last column."""
    columns = FEATURES + ["y::int::float8"]
    query = f"COPY (SELECT {', '.join(columns)} FROM bench) TO STDOUT (FORMAT binary)"
    data = bytearray()
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        with cur.copy(query) as copy:
            for chunk in copy:
                data += chunk
    return parse_binary_copy(data, len(columns))


def parse_binary_copy(data, ncols):
    """Parses COPY's binary format when every field is a non-NULL float8: a header
    (11-byte signature, int32 flags, int32 extension length and the extension), then per
    row an int16 field count and per field an int32 length and the big-endian value, and
    an int16 -1 at the end. Such rows all have the same size, so numpy reads the counts,
    lengths and values as strided views of the buffer."""
    start = 19 + int.from_bytes(data[15:19], "big")
    row = 2 + 12 * ncols
    rows, rest = divmod(len(data) - start - 2, row)
    if rest or data[-2:] != b"\xff\xff":
        raise SystemExit("unexpected COPY data: rows of different sizes")

    def view(dtype, offset, shape, strides):
        return np.ndarray(shape, dtype, data, start + offset, strides)

    counts = view(">i2", 0, (rows,), (row,))
    lengths = view(">i4", 2, (rows, ncols), (row, 12))
    if (counts != ncols).any() or (lengths != 8).any():
        raise SystemExit("unexpected COPY data: a NULL or a field that is not float8")
    return view(">f8", 6, (rows, ncols), (row, 12)).astype(np.float64)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dbname", default="bench")
    parser.add_argument("--user", default="postgres")
    args = parser.parse_args()
    conninfo = f"host={args.host} port={args.port} dbname={args.dbname} user={args.user}"

    started = time.perf_counter()
    data = fetch(conninfo)
    x, y = data[:, :-1], data[:, -1].astype(np.int8)
    fetched = time.perf_counter()

    # 70% train, then the remaining 30% as 20% validation (unused here) and 10% test.
    x_train, x_rest, y_train, y_rest = train_test_split(
        x, y, train_size=0.7, stratify=y, random_state=SEED)
    _, x_test, _, y_test = train_test_split(
        x_rest, y_rest, train_size=2 / 3, stratify=y_rest, random_state=SEED)
    scaler = StandardScaler().fit(x_train)
    model = LogisticRegression(C=1.0, max_iter=1000).fit(scaler.transform(x_train), y_train)
    fitted = time.perf_counter()

    auc = roc_auc_score(y_test, model.predict_proba(scaler.transform(x_test))[:, 1])
    done = time.perf_counter()

    pools = ", ".join(sorted(f"{p['internal_api']} {p['num_threads']} threads" for p in threadpool_info()))
    print(f"rows {len(y)}")
    print(f"fetch_s {fetched - started:.3f}")
    print(f"fit_s {fitted - fetched:.3f}")
    print(f"total_s {done - started:.3f}")
    print(f"auc {auc:.6f}")
    print(f"iterations {int(model.n_iter_[0])}")
    print(f"versions scikit-learn {sklearn.__version__}, numpy {np.__version__}")
    print(f"threads {pools or 'none'}")


if __name__ == "__main__":
    main()
