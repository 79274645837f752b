#!/usr/bin/env python3
"""Check Spark's learner factors against the closed-form fold-in, independently of Spark.

    python check_foldin.py FACTORS_DIR CHECK_DIR [--explicit] [--tolerance 1e-4]

FACTORS_DIR is train_als.py's --out (the wayfinder-item-factors exchange format) and CHECK_DIR
its --check-out (learners.jsonl: each check learner's aggregated history and Spark's factors).
For each learner, with Y every row of item_factors.safetensors, h the history (course, r) and
n its number of entries with r > 0 (implicit) or all of them (explicit):

    implicit: x = (YᵀY + Σ_h α·r·y yᵀ + reg·n·I)⁻¹ Σ_{h, r>0} (1 + α·r)·y
    explicit: x = (Σ_h y yᵀ + reg·n·I)⁻¹ Σ_h r·y

solved in float64 and compared with Spark's x by ‖x − x_spark‖ / ‖x_spark‖. Also checks the
exchange files against als.json (format, version, shape, sha256, sizes). Exits 1 when a
learner's relative error exceeds the tolerance or a file is inconsistent; prints the largest
error either way. Run it with --min-cohort 1 factors: a zeroed row is not what Spark solved
against.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys

import numpy as np
from safetensors import safe_open


def load_exchange(path: str):
    with open(os.path.join(path, "als.json"), encoding="utf-8") as f:
        meta = json.load(f)
    problems = []
    if meta.get("format") != "wayfinder-item-factors" or meta.get("version") != 1:
        problems.append(f"als.json: format {meta.get('format')!r} version {meta.get('version')!r}")
    for name, entry in meta.get("files", {}).items():
        data = open(os.path.join(path, name), "rb").read()
        if hashlib.sha256(data).hexdigest() != entry["sha256"] or len(data) != entry["bytes"]:
            problems.append(f"{name}: sha256 or size differs from als.json")
    with safe_open(os.path.join(path, "item_factors.safetensors"), framework="numpy") as f:
        file_meta = f.metadata() or {}
        y = f.get_tensor("item_factors")
    if file_meta != {"format": "wayfinder-item-factors", "version": "1"}:
        problems.append(f"item_factors.safetensors: __metadata__ is {file_meta}")
    if y.dtype != np.float32 or y.shape != (meta["courses"], meta["rank"]):
        problems.append(f"item_factors: {y.dtype} {y.shape}, als.json says f32 [{meta['courses']}, {meta['rank']}]")
    with open(os.path.join(path, "courses.csv"), encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    if rows[0] != ["row", "course", "learners"]:
        problems.append(f"courses.csv: header {rows[0]}")
    row_of = {}
    for k, (row, course, _learners) in enumerate(rows[1:]):
        if int(row) != k or course in row_of:
            problems.append(f"courses.csv: line {k + 2} row {row} course {course!r}")
        row_of[course] = k
    if len(row_of) != y.shape[0]:
        problems.append(f"courses.csv: {len(row_of)} courses for {y.shape[0]} factor rows")
    return meta, y.astype(np.float64), row_of, problems


def fold_in(y: np.ndarray, gram: np.ndarray, rows: np.ndarray, r: np.ndarray, meta: dict, implicit: bool) -> np.ndarray:
    k = y.shape[1]
    yh = y[rows]
    if implicit:
        alpha = meta["alpha"]
        n = int((r > 0).sum())
        a = gram + (yh * (alpha * np.abs(r))[:, None]).T @ yh
        b = ((np.where(r > 0, 1.0 + alpha * r, 0.0))[:, None] * yh).sum(axis=0)
    else:
        n = len(r)
        a = yh.T @ yh
        b = (r[:, None] * yh).sum(axis=0)
    a = a + meta["reg_param"] * n * np.eye(k)
    return np.linalg.solve(a, b)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("factors_dir")
    p.add_argument("check_dir")
    p.add_argument("--explicit", action="store_true", help="the factors are explicit (als.json must agree)")
    p.add_argument("--tolerance", type=float, default=1e-4, help="largest relative error allowed")
    args = p.parse_args(argv)

    meta, y, row_of, problems = load_exchange(args.factors_dir)
    implicit = bool(meta["implicit_prefs"])
    if implicit == args.explicit:
        problems.append(f"als.json: implicit_prefs is {implicit}, but --explicit was {'given' if args.explicit else 'not given'}")
    if meta.get("courses_below_min_cohort"):
        print(f"check_foldin: warning: {meta['courses_below_min_cohort']} zeroed rows; Spark solved against their real factors",
              file=sys.stderr)
    gram = y.T @ y
    worst, worst_learner, errors, count = 0.0, None, [], 0
    with open(os.path.join(args.check_dir, "learners.jsonl"), encoding="utf-8") as f:
        for line in f:
            learner = json.loads(line)
            rows = np.array([row_of[c] for c, _ in learner["history"]], dtype=np.int64)
            r = np.array([v for _, v in learner["history"]], dtype=np.float64)
            spark = np.array(learner["factors"], dtype=np.float64)
            ours = fold_in(y, gram, rows, r, meta, implicit)
            err = float(np.linalg.norm(ours - spark) / max(np.linalg.norm(spark), 1e-30))
            errors.append(err)
            count += 1
            if err > worst:
                worst, worst_learner = err, learner["learner"]
    if count == 0:
        problems.append(f"{args.check_dir}/learners.jsonl: no learners")
    errors = np.array(errors or [0.0])
    mode = "implicit" if implicit else "explicit"
    print(f"check_foldin: {mode}, {count} learners, rank {meta['rank']}, reg {meta['reg_param']}"
          f"{', alpha ' + str(meta['alpha']) if implicit else ''}: relative error max {worst:.3e}"
          f" (learner {worst_learner}), median {np.median(errors):.3e}")
    if worst > args.tolerance:
        problems.append(f"largest relative error {worst:.3e} > tolerance {args.tolerance:g}"
                        f" ({int((errors > args.tolerance).sum())} of {count} learners)")
    for problem in problems:
        print(f"check_foldin: MISMATCH: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
