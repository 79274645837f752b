"""How the bundle's neighbour cut compares with the full EASE model, on validation data only.

Usage: python cut.py INTERACTIONS.csv [--lam 5] [--budgets 273148,542870,1085740]

INTERACTIONS is `user,course` as `wayfinder import mooccubex` or `import movielens` writes it.
One course per learner is held out as the test (seed 7) and never read again; a second one is
held out of the rest as validation. EASE (Steck 2019) is fit on what is left, then cut three
ways and scored by HR@10 on every validation learner:

- `rows+cols K`: each course's K strongest as a source and as a target (the previous rule);
- `contribution E`: each course's 10 strongest, then the E weights of largest
  |weight| x learners of the source course (the rule `Neighbours::from_dense` applies).

Needs numpy. Prints one line per model.
"""
import argparse

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("interactions")
    ap.add_argument("--lam", type=float, default=5.0)
    ap.add_argument("--budgets", default="273148,542870,1085740")
    args = ap.parse_args()
    rng = np.random.default_rng(7)
    d = np.loadtxt(args.interactions, delimiter=",", skiprows=1, dtype=np.int64, usecols=(0, 1))
    ids = {c: k for k, c in enumerate(sorted(set(d[:, 1].tolist())))}
    n = len(ids)
    users = {}
    for u, c in d:
        users.setdefault(u, []).append(ids[c])

    def hold_out(histories):
        rest, held = {}, {}
        for u, cs in histories.items():
            cs = list(dict.fromkeys(cs))
            if len(cs) >= 2:
                held[u] = cs[rng.integers(len(cs))]
                cs = [c for c in cs if c != held[u]]
            rest[u] = cs
        return rest, held

    train, _test = hold_out(users)
    fit, validation = hold_out(train)
    gram = np.zeros((n, n))
    for cs in fit.values():
        gram[np.ix_(cs, cs)] += 1
    learners = np.diag(gram).copy()
    p = np.linalg.inv(gram + args.lam * np.eye(n))
    dense = -p / np.diag(p)
    np.fill_diagonal(dense, 0)

    def hr(b):
        hits = 0
        for u, h in validation.items():
            s = b[fit[u]].sum(0)
            s[fit[u]] = -np.inf
            hits += h in np.argpartition(-s, 10)[:10]
        return hits / len(validation)

    def strongest(a, k, axis):
        keep = np.zeros(a.shape, dtype=bool)
        idx = np.argpartition(-a, k, axis=axis)
        np.put_along_axis(keep, idx[:, :k] if axis == 1 else idx[:k], True, axis=axis)
        return keep

    a = np.abs(dense)
    print(f"{len(validation)} validation learners, {n} courses, EASE penalty {args.lam}")
    print(f"full model: {n * (n - 1)} weights, HR@10 {hr(dense):.4f}", flush=True)
    for k in (50, 100):
        keep = strongest(a, k, 1) | strongest(a, k, 0)
        cut = np.where(keep, dense, 0)
        print(f"rows+cols {k}: {int((cut != 0).sum())} weights, HR@10 {hr(cut):.4f}", flush=True)
    contribution = a * learners[:, None]
    for budget in (int(b) for b in args.budgets.split(",")):
        threshold = np.partition(contribution.ravel(), -budget)[-budget]
        keep = (contribution >= threshold) | strongest(a, 10, 1)
        cut = np.where(keep, dense, 0)
        print(f"contribution {budget}: {int((cut != 0).sum())} weights, HR@10 {hr(cut):.4f}", flush=True)


if __name__ == "__main__":
    main()
