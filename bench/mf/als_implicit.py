"""The `implicit` library's ALS on the same leave-one-out split as `wayfinder eval ranking`.

Usage: python als_implicit.py TRAIN TEST [--factors 64 --iterations 15 --reg 10 --alpha 40]

Reads KGAT lines (`user item item ...`), drops repeated (user, item) pairs, fits
`implicit.cpu.als.AlternatingLeastSquares` on the training pairs with confidence
`1 + alpha` per pair (as Wayfinder's linear curve does), and ranks every training item for
each user with a test item, training items excluded. Prints one JSON line: HR@10, NDCG@10,
fit seconds (wall clock, all cores), and the parameters.
"""
import argparse
import json
import math
import os
import time

# implicit runs its own thread per core; BLAS threads on top of them only contend.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares


def read(path):
    with open(path) as f:
        for line in f:
            parts = line.split()
            if parts:
                yield int(parts[0]), [int(x) for x in parts[1:]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("train")
    ap.add_argument("test")
    ap.add_argument("--factors", type=int, default=64)
    ap.add_argument("--iterations", type=int, default=15)
    ap.add_argument("--reg", type=float, default=10.0)
    ap.add_argument("--alpha", type=float, default=40.0)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--solver", choices=["cg", "cholesky"], default="cg")
    args = ap.parse_args()

    train = {}
    for user, items in read(args.train):
        train.setdefault(user, set()).update(items)
    test = {}
    for user, items in read(args.test):
        test.setdefault(user, set()).update(items)
    users = sorted(set(train) | set(test))
    user_row = {u: r for r, u in enumerate(users)}
    item_ids = sorted({i for items in train.values() for i in items})
    item_row = {i: r for r, i in enumerate(item_ids)}
    rows, cols = [], []
    for user, items in train.items():
        for i in items:
            rows.append(user_row[user])
            cols.append(item_row[i])
    data = np.ones(len(rows), dtype=np.float32)
    user_items = sp.csr_matrix((data, (rows, cols)), shape=(len(users), len(item_ids)))

    model = AlternatingLeastSquares(
        factors=args.factors,
        regularization=args.reg,
        alpha=args.alpha,
        iterations=args.iterations,
        use_cg=args.solver == "cg",
        calculate_training_loss=False,
        random_state=args.seed,
    )
    start = time.perf_counter()
    model.fit(user_items, show_progress=False)
    fit_seconds = time.perf_counter() - start

    evaluated = [u for u in users if test.get(u)]
    rows_eval = np.array([user_row[u] for u in evaluated])
    hits = ndcg = 0.0
    batch = 4096
    for start_i in range(0, len(rows_eval), batch):
        chunk = rows_eval[start_i:start_i + batch]
        ids, _ = model.recommend(chunk, user_items[chunk], N=args.k, filter_already_liked_items=True)
        for r, top in zip(chunk, ids):
            relevant = {item_row[i] for i in test[users[r]] if i in item_row}
            for rank, item in enumerate(top):
                if item in relevant:
                    hits += 1
                    ndcg += 1.0 / math.log2(rank + 2)
                    break
    n = len(evaluated)
    print(json.dumps({
        "model": "implicit ALS " + args.solver,
        "users": len(users), "items": len(item_ids), "train_pairs": len(rows),
        "evaluated_users": n, "hr": hits / n, "ndcg": ndcg / n,
        "fit_seconds": fit_seconds,
        "params": {"factors": args.factors, "iterations": args.iterations, "reg": args.reg, "alpha": args.alpha},
    }))


if __name__ == "__main__":
    main()
