"""Validation splits for tuning the matrix-factorization defaults, never the test split.

  python validation_split.py kgat TRAIN OUT_DIR [--seed 42]
      From KGAT training lines, holds out one seeded random item of every user with at
      least two distinct items: OUT_DIR/train.txt and OUT_DIR/test.txt. The real test.txt
      is never read.
  python validation_split.py ratings U_DATA OUT_DIR [--seed 42] [--share 0.8]
      Keeps a seeded share of the ratings for tuning (OUT_DIR/tune.data) and writes the
      rest (OUT_DIR/holdout.data), which tuning never reads.
"""
import argparse
import os
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["kgat", "ratings"])
    ap.add_argument("source")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--share", type=float, default=0.8)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    if args.kind == "kgat":
        with open(args.source) as f, open(os.path.join(args.out, "train.txt"), "w") as tr, \
                open(os.path.join(args.out, "test.txt"), "w") as te:
            for line in f:
                parts = line.split()
                if not parts:
                    continue
                user, items = parts[0], list(dict.fromkeys(parts[1:]))
                if len(items) >= 2:
                    held = items.pop(rng.randrange(len(items)))
                    te.write(f"{user} {held}\n")
                tr.write(" ".join([user] + items) + "\n")
    else:
        with open(args.source) as f, open(os.path.join(args.out, "tune.data"), "w") as tune, \
                open(os.path.join(args.out, "holdout.data"), "w") as hold:
            for line in f:
                (tune if rng.random() < args.share else hold).write(line)


if __name__ == "__main__":
    main()
