#!/usr/bin/env python3
# The advisor's test set on the real UIUC catalog (`make bench-eval`): twenty learners
# (first-years, seniors, no history, other majors, with and without goals) through
# `wayfinder recommend`, checking each list's properties:
# no equivalent (same_as / no_credit_with) of a completed course, no course above the level
# rule (more than one level above the highest completed, two with none; 500+ only after
# 300+ work), and, with a goal, the goal's field (a subject) in the top 10.
import json, subprocess, sys
# Usage: advisor.py WAYFINDER_BIN BUNDLE_DIR CATALOG_JSON MODEL_DIR; exits 1 when a list breaks
# the equivalence or level rule.
W, B, CAT, MODEL = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
cat = {c['id']: c for c in json.load(open(CAT))['courses']}
eq = {}
for c in cat.values():
    for o in c.get('same_as', []) + c.get('no_credit_with', []):
        eq.setdefault(c['id'], set()).add(o); eq.setdefault(o, set()).add(c['id'])
learners = [
  ("first-year CS", ["CS 125", "MATH 221"], None, None),
  ("statistics", ["STAT 400"], None, None),
  ("no history, biology goal", [], "I want to study biology and medicine", ["IB", "MCB", "BIOC", "CHEM"]),
  ("no history", [], None, None),
  ("CS 125, software goal", ["CS 125"], "I want to become a software engineer", ["CS", "ECE"]),
  ("CS senior", ["CS 125","CS 173","CS 225","CS 233","CS 241","CS 374","MATH 221","MATH 231","MATH 415"], None, None),
  ("humanities, data goal", ["ENGL 101","HIST 100"], "I want to learn data analysis and programming for digital humanities", ["CS", "IS", "STAT", "INFO"]),
  ("pre-med", ["CHEM 102","CHEM 103","IB 150","MATH 220"], "I want to go to medical school", ["MCB", "CHEM", "IB", "BIOC", "PHYS"]),
  ("business first-year", ["ECON 102"], "I want to work in finance", ["FIN", "ECON", "ACCY", "BADM"]),
  ("math major", ["MATH 221","MATH 231","MATH 241","MATH 347"], None, None),
  ("music", ["MUS 101"], "I want to compose music for film", ["MUS"]),
  ("engineering", ["MATH 221","PHYS 211","CHEM 102"], "I want to design bridges", ["CEE", "TAM"]),
  ("psychology", ["PSYC 100"], "I want to study how children learn", ["PSYC", "EPSY", "HDFS"]),
  ("took MATH 220", ["MATH 220"], None, None),
  ("took CS 173", ["CS 125","CS 173","MATH 221"], None, None),
  ("ag", ["ACES 101"], "I want to run a sustainable farm", ["NRES", "CPSC", "ACE", "ANSC", "ABE"]),
  ("language", ["SPAN 122"], "I want to become fluent in Spanish", ["SPAN"]),
  ("art", ["ARTD 101"], "I want to be a graphic designer", ["ARTD", "ART", "ARTS"]),
  ("graduate-bound stats", ["STAT 400","STAT 410","MATH 415","MATH 241"], None, None),
  ("journalism", ["JOUR 200"], "I want to report on politics", ["JOUR", "PS"]),
]
def level(id): return cat.get(id, {}).get('level')
total = {"equivalent": 0, "level": 0, "goal_missing": 0, "lists": 0}
for name, completed, goal, fields in learners:
    completed = [c for c in completed if c in cat]
    args = [W, "recommend", "--bundle", B, "--completed", ",".join(completed), "-k", "10", "--json", "--model", MODEL]
    if goal: args += ["--goal", goal]
    out = subprocess.run(args, capture_output=True, text=True)
    if out.returncode != 0: print(name, "FAILED", out.stderr[:200]); continue
    recs = [r["id"] for r in json.loads(out.stdout)["recommendations"]]
    credited = set(completed) | {e for c in completed for e in eq.get(c, ())}
    bad_eq = [r for r in recs if r in credited or any(e in recs[:i] for i, x in enumerate(recs) if x == r for e in eq.get(r, ()))]
    lv = [level(c) for c in completed if level(c)]
    hi = max(lv) if lv else None
    ceiling = (hi + 100) if hi else 200
    upper = hi is not None and hi >= 300
    bad_lv = [r for r in recs if level(r) and (level(r) > ceiling or (level(r) >= 500 and not upper))]
    goal_ok = None if not fields else any(r.split()[0] in fields for r in recs)
    total["lists"] += 1; total["equivalent"] += bool(bad_eq); total["level"] += bool(bad_lv); total["goal_missing"] += (goal_ok is False)
    print(f"{name:28} equivalents {len(bad_eq)} {bad_eq[:3]} | above level {len(bad_lv)} {bad_lv[:3]} | goal field in top 10: {goal_ok} | top 3: {recs[:3]}")
print(json.dumps(total))
sys.exit(1 if total["equivalent"] or total["level"] else 0)
