#!/usr/bin/env python3
# The advisor's test set on the real UIUC catalog (`make bench-eval`): twenty learners
# (first-years, seniors, no history, other majors, with and without goals) through
# `wayfinder recommend`, checking each list's properties:
# no equivalent (same_as / no_credit_with) of a completed course, no course above the level
# rule (more than one level above the highest completed, two with none; 500+ only after
# 300+ work), and, with a goal, the goal's field (a subject) in the top 10.
import json, subprocess, sys
# Usage: advisor.py WAYFINDER_BIN UIUC_BUNDLE UIUC_CATALOG_JSON MODEL_DIR [DEMO_BUNDLE DEMO_CATALOG_JSON]
# Exits 1 when a list breaks the equivalence or level rule, names a reason its numbers do not
# support, or (with a goal) leaves the goal's field out of the top 10. A learner whose
# courses are missing from the catalog (a slice) is run with the courses it has.
# Or: advisor.py --slice UIUC_CATALOG_JSON OUT_JSON writes the bounded slice `make test` uses:
# the PER_SUBJECT lowest-numbered undergraduate courses of every subject the learners touch,
# plus their completed courses; group members outside the slice are kept as not_in_catalog.
PER_SUBJECT = 20
# What a reason needs of its part (rank/explain.rs: 80% of the absolute threshold is the
# least any shown reason can have).
FLOOR = {"similar_to": ("content", 0.8 * 0.5), "goal_text": ("goalText", 0.8 * 0.45), "peers": ("collaborative", 0.8 * 0.6)}
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
def write_slice(src, dst):
    courses = json.load(open(src))['courses']
    subjects = {c.split()[0] for _, done, _, fields in learners for c in done} | {f for _, _, _, fields in learners for f in (fields or [])}
    wanted = {c for _, done, _, _ in learners for c in done}
    by_subject = {}
    for c in courses:
        if c['id'].split()[0] in subjects and (c.get('level') or 0) < 500:
            by_subject.setdefault(c['id'].split()[0], []).append(c)
    for cs in by_subject.values():
        cs.sort(key=lambda c: c['id'])
        wanted |= {c['id'] for c in cs[:PER_SUBJECT]}
    kept = [dict(c) for c in courses if c['id'] in wanted]
    for c in kept:
        groups = []
        for g in c.get('prerequisites', []):
            members = g if isinstance(g, list) else g['any_of']
            missing = [m for m in members if m not in wanted] + ([] if isinstance(g, list) else g.get('not_in_catalog', []))
            groups.append({"any_of": [m for m in members if m in wanted], "concurrent": False if isinstance(g, list) else g.get('concurrent', False), "not_in_catalog": missing})
        c['prerequisites'] = groups
        for f in ('same_as', 'no_credit_with'):
            if f in c: c[f] = [x for x in c[f] if x in wanted]
    json.dump({"courses": kept}, open(dst, 'w'))
    print(f"advisor slice: {len(kept)} of {len(courses)} courses, {len(by_subject)} subjects")

demo_learners = [
  ("demo: no history", [], None, None),
  ("demo: first-year maths", ["MATH 100", "MATH 115"], None, None),
  ("demo: upper-level CS", ["CS 101", "CS 110", "CS 201", "CS 210", "MATH 120", "CS 310"], None, None),
  ("demo: design major, data goal", ["DES 100", "DES 110"], "I want to analyse data with Python", ["DS", "STAT", "CS"]),
  ("demo: statistics, web goal", ["STAT 100", "STAT 200"], "I want to build websites", ["WEB", "CS", "DES"]),
]

def run(bundle, catalog_path, learners):
    cat = {c['id']: c for c in json.load(open(catalog_path))['courses']}
    eq = {}
    for c in cat.values():
        for o in c.get('same_as', []) + c.get('no_credit_with', []):
            eq.setdefault(c['id'], set()).add(o); eq.setdefault(o, set()).add(c['id'])
    def level(id): return cat.get(id, {}).get('level')
    total = {"equivalent": 0, "level": 0, "untrue_reason": 0, "goal_missing": 0, "lists": 0}
    for name, completed, goal, fields in learners:
        completed = [c for c in completed if c in cat]
        args = [W, "recommend", "--bundle", bundle, "--completed", ",".join(completed), "-k", "10", "--json", "--model", MODEL]
        if goal: args += ["--goal", goal]
        out = subprocess.run(args, capture_output=True, text=True)
        if out.returncode != 0:
            print(name, "FAILED", out.stderr[:300]); total["lists"] += 1; total["equivalent"] += 1; continue
        got = json.loads(out.stdout)["recommendations"]
        recs = [r["id"] for r in got]
        credited = set(completed) | {e for c in completed for e in eq.get(c, ())}
        bad_eq = [r for r in recs if r in credited or any(e in recs[:i] for i, x in enumerate(recs) if x == r for e in eq.get(r, ()))]
        lv = [level(c) for c in completed if level(c)]
        hi = max(lv) if lv else None
        ceiling = (hi + 100) if hi else 200
        upper = hi is not None and hi >= 300
        bad_lv = [r for r in recs if level(r) and (level(r) > ceiling or (level(r) >= 500 and not upper))]
        untrue = [(r["id"], x["kind"]) for r in got for x in r["reasons"]
                  if (x["kind"] in FLOOR and r["parts"][FLOOR[x["kind"]][0]] < FLOOR[x["kind"]][1])
                  or (x["kind"] == "unlocks" and (x["courses"] <= 0 or r["parts"]["unlocks"] <= 0))
                  or (x["kind"] == "similar_to" and x["course"] not in completed)]
        goal_ok = None if not fields else any(r.split()[0] in fields for r in recs)
        total["lists"] += 1; total["equivalent"] += bool(bad_eq); total["level"] += bool(bad_lv)
        total["untrue_reason"] += bool(untrue); total["goal_missing"] += (goal_ok is False)
        print(f"{name:30} equivalents {len(bad_eq)} {bad_eq[:3]} | above level {len(bad_lv)} {bad_lv[:3]} | untrue reasons {untrue[:2]} | goal field in top 10: {goal_ok} | top 3: {recs[:3]}")
    return total

if sys.argv[1] == "--slice":
    write_slice(sys.argv[2], sys.argv[3]); sys.exit(0)
W, B, CAT, MODEL = sys.argv[1:5]
DEMO = sys.argv[5:7] if len(sys.argv) >= 7 else None
totals = [run(B, CAT, learners)] if B != "-" else []
if DEMO:
    totals.append(run(DEMO[0], DEMO[1], demo_learners))
total = {k: sum(t[k] for t in totals) for k in ("equivalent", "level", "untrue_reason", "goal_missing", "lists")}
print(json.dumps(total))
sys.exit(1 if total["equivalent"] or total["level"] or total["untrue_reason"] or total["goal_missing"] else 0)
