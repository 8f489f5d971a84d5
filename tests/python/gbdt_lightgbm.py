"""pg_persona's gbdt against LightGBM's own Python package, on the telecom churn table.

The table gets a fixed 70/20/10 split in a column `part`, which profile_train is told to
use (options.split_column), so both sides train, stop early and test on the same rows.
Then:

1. profile_train('churn_gbdt', ..., 'gbdt') and lightgbm.train with the parameters the
   catalog records reach test ROC AUCs within 0.01 of each other;
2. LightGBM loading the text of profile_export('churn_gbdt') predicts every row, encoded
   as the catalog's preprocessing says, within 1e-9 of profile_score.

Usage: python gbdt_lightgbm.py --port PORT --dbname DB  (DB has pg_persona and the table
`telco` with an `id` column; see scripts/regress.sh). Prints one line and exits non-zero
if a check fails.
"""

import argparse
import json
import math
import sys

import lightgbm as lgb
import numpy as np
import psycopg
from sklearn.metrics import roc_auc_score


def encode(features, rows, columns):
    """The model inputs of each row, as the catalog's preprocessing describes them:
    numbers and booleans as they are (NULL: NaN), categories one-hot over the stored
    categories, then an "other" slot and a NULL slot."""
    index = {name: k for k, name in enumerate(columns)}
    out = []
    for row in rows:
        x = []
        for f in features:
            value = row[index[f["name"]]]
            kind = f["encoder"]["kind"]
            if kind == "number":
                x.append(math.nan if value is None else float(value))
            elif kind == "flag":
                x.append(math.nan if value is None else float(bool(value)))
            elif kind == "categorical":
                categories = f["encoder"]["categories"]
                slots = [0.0] * (len(categories) + 2)
                if value is None:
                    slots[-1] = 1.0
                elif value in categories:
                    slots[categories.index(value)] = 1.0
                else:
                    slots[-2] = 1.0
                x.extend(slots)
            else:
                raise SystemExit(f"unexpected encoder {kind} for a gbdt model")
        out.append(x)
    return np.array(out, dtype=np.float64)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", required=True)
    parser.add_argument("--dbname", required=True)
    args = parser.parse_args()
    conninfo = f"host=127.0.0.1 port={args.port} user=postgres dbname={args.dbname}"

    with psycopg.connect(conninfo, autocommit=True) as conn:
        cur = conn.cursor()
        cur.execute(
            """SELECT (metrics->'test'->>'roc_auc')::float8, features, hyperparameters
               FROM persona.models WHERE name = 'churn_gbdt' AND version = 1"""
        )
        our_auc, features, hyper = cur.fetchone()
        cur.execute(
            """SELECT t.*, profile_score('churn_gbdt', t) AS score
               FROM telco t ORDER BY t.id"""
        )
        columns = [d.name for d in cur.description]
        rows = cur.fetchall()
        cur.execute("SELECT profile_export('churn_gbdt')")
        (model_text,) = cur.fetchone()

    x = encode(features, rows, columns)
    churn = np.array([r[columns.index("churn")] == "Yes" for r in rows], dtype=np.float64)
    part = np.array([r[columns.index("part")] for r in rows])
    ours = np.array([r[columns.index("score")] for r in rows], dtype=np.float64)

    # 1. The same parameters, the same rows, LightGBM's own training loop.
    chosen = hyper["chosen"]
    params = {
        "objective": "binary",
        "metric": "binary_logloss",
        "boosting": "gbdt",
        "learning_rate": chosen["learning_rate"],
        "num_leaves": chosen["num_leaves"],
        "max_depth": chosen["max_depth"],
        "min_data_in_leaf": chosen["min_data_in_leaf"],
        "feature_fraction": chosen["feature_fraction"],
        "bagging_fraction": chosen["bagging_fraction"],
        "bagging_freq": 1 if chosen["bagging_fraction"] < 1 else 0,
        "lambda_l2": chosen["lambda_l2"],
        "num_threads": 1,
        "seed": 42,
        "deterministic": True,
        "force_row_wise": True,
        "feature_pre_filter": False,
        "max_bin": 255,
        "verbosity": -1,
    }
    train = lgb.Dataset(x[part == "train"], churn[part == "train"], params=params)
    valid = lgb.Dataset(x[part == "validation"], churn[part == "validation"], reference=train)
    booster = lgb.train(
        params,
        train,
        num_boost_round=chosen["num_trees"],
        valid_sets=[valid],
        callbacks=[lgb.early_stopping(chosen["early_stopping_rounds"], verbose=False)],
    )
    test = part == "test"
    python_auc = roc_auc_score(
        churn[test], booster.predict(x[test], num_iteration=booster.best_iteration)
    )

    # 2. The exported model in LightGBM, on every row.
    exported = lgb.Booster(model_str=model_text)
    difference = float(np.max(np.abs(exported.predict(x) - ours)))

    ok = abs(our_auc - python_auc) <= 0.01 and difference <= 1e-9
    print(
        f"gbdt against LightGBM {lgb.__version__} ... {'ok' if ok else 'FAILED'} "
        f"(test ROC AUC {our_auc:.4f} vs {python_auc:.4f}, {chosen['trees']} vs "
        f"{booster.best_iteration} trees; exported model's predictions within "
        f"{difference:.1e} of profile_score on {len(rows)} rows)"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
