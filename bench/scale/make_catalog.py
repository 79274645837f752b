"""A seeded synthetic catalog of many courses, with enrolments, for the scale benchmark.

Usage: python make_catalog.py OUT_DIR [--courses 100000] [--learners 60000] [--seed 7]

Writes OUT_DIR/catalog.json and OUT_DIR/enrollments.csv (`user,course`). Courses belong to
subjects, subjects to fields; a course's title, description, tags and skills come from its
field's vocabulary and its level, so course texts have the structure of a real catalog (close
within a field, closer within a subject, apart across fields) without repeating a real one.
Courses above the first level list one or two prerequisite groups of lower courses of their
subject, as most real catalogs do. Learners take courses of one or two subjects, lower levels
first. Nothing here is tuned on: it only sizes the bundle and times the browser.
"""
import argparse
import csv
import json
import os
import random

FIELDS = {
    "biology": ["cells", "genetics", "ecology", "evolution", "microbiology", "physiology", "botany", "zoology", "marine life", "immunology"],
    "chemistry": ["organic chemistry", "reactions", "spectroscopy", "thermodynamics", "polymers", "electrochemistry", "catalysis", "analytical methods", "bonding", "kinetics"],
    "physics": ["mechanics", "electromagnetism", "optics", "quantum theory", "relativity", "waves", "particles", "condensed matter", "astrophysics", "plasma"],
    "mathematics": ["calculus", "linear algebra", "number theory", "topology", "probability", "differential equations", "geometry", "combinatorics", "analysis", "abstract algebra"],
    "statistics": ["regression", "inference", "sampling", "bayesian methods", "experimental design", "time series", "survival analysis", "multivariate data", "nonparametric tests", "forecasting"],
    "computer science": ["programming", "algorithms", "data structures", "operating systems", "databases", "networks", "compilers", "security", "machine learning", "graphics"],
    "electrical engineering": ["circuits", "signals", "control systems", "power systems", "semiconductors", "embedded systems", "communications", "antennas", "digital logic", "microwaves"],
    "mechanical engineering": ["statics", "dynamics", "fluid mechanics", "heat transfer", "machine design", "manufacturing", "vibrations", "robotics", "materials", "combustion"],
    "civil engineering": ["structures", "concrete", "soil mechanics", "transportation", "hydraulics", "surveying", "construction management", "steel design", "water resources", "earthquakes"],
    "economics": ["microeconomics", "macroeconomics", "econometrics", "labor markets", "public finance", "trade", "development", "game theory", "monetary policy", "industrial organization"],
    "business": ["accounting", "marketing", "finance", "management", "operations", "entrepreneurship", "negotiation", "supply chains", "business law", "strategy"],
    "psychology": ["cognition", "development", "social behavior", "personality", "perception", "memory", "clinical disorders", "motivation", "learning", "neuroscience"],
    "sociology": ["inequality", "families", "urban life", "migration", "religion", "deviance", "social movements", "race", "gender", "organizations"],
    "history": ["ancient rome", "medieval europe", "the renaissance", "colonial america", "the civil war", "modern china", "the cold war", "african kingdoms", "the industrial revolution", "latin america"],
    "philosophy": ["ethics", "logic", "metaphysics", "epistemology", "aesthetics", "political philosophy", "philosophy of mind", "existentialism", "philosophy of science", "ancient philosophy"],
    "literature": ["poetry", "the novel", "drama", "shakespeare", "modernism", "romanticism", "world literature", "literary theory", "short fiction", "the essay"],
    "linguistics": ["phonetics", "syntax", "semantics", "morphology", "sociolinguistics", "language acquisition", "historical linguistics", "pragmatics", "phonology", "computational linguistics"],
    "art": ["drawing", "painting", "sculpture", "photography", "printmaking", "ceramics", "art history", "digital media", "color theory", "installation"],
    "music": ["harmony", "counterpoint", "ear training", "music history", "composition", "orchestration", "jazz", "ethnomusicology", "conducting", "performance"],
    "nursing": ["patient care", "pharmacology", "pathophysiology", "health assessment", "maternal health", "pediatrics", "mental health nursing", "community health", "critical care", "nursing ethics"],
    "education": ["curriculum", "classroom management", "assessment", "literacy", "special education", "educational psychology", "instructional technology", "policy", "teaching mathematics", "bilingual education"],
    "agriculture": ["crop science", "soil fertility", "animal science", "agricultural economics", "irrigation", "plant pathology", "horticulture", "food systems", "agronomy", "pest management"],
    "environmental science": ["climate", "pollution", "conservation", "hydrology", "ecosystems", "sustainability", "environmental policy", "remote sensing", "energy", "waste management"],
    "political science": ["elections", "constitutions", "international relations", "public policy", "comparative politics", "political theory", "legislatures", "courts", "political economy", "security studies"],
    "communication": ["public speaking", "journalism", "media studies", "rhetoric", "advertising", "interpersonal communication", "film", "broadcasting", "social media", "persuasion"],
    "architecture": ["design studio", "building technology", "urban design", "architectural history", "structures for architects", "landscape", "drafting", "sustainable buildings", "preservation", "lighting"],
    "anthropology": ["archaeology", "ethnography", "human evolution", "kinship", "medical anthropology", "material culture", "linguistic anthropology", "ritual", "globalization", "forensics"],
    "public health": ["epidemiology", "biostatistics", "health policy", "nutrition", "global health", "environmental health", "health behavior", "disease prevention", "health equity", "outbreak investigation"],
    "law": ["contracts", "torts", "property", "criminal law", "constitutional law", "evidence", "civil procedure", "corporate law", "international law", "legal writing"],
    "languages": ["spanish", "french", "german", "mandarin", "arabic", "japanese", "portuguese", "russian", "italian", "korean"],
}
LEVEL_WORDS = {100: ("Introduction to", "first course in"), 200: ("Foundations of", "core methods of"),
               300: ("Intermediate", "applied study of"), 400: ("Advanced", "advanced topics in"),
               500: ("Graduate Seminar in", "current research on")}
VERBS = ["explores", "covers", "examines", "introduces", "surveys", "develops"]
ACTIVITIES = ["weekly problem sets", "a term project", "laboratory work", "case studies", "field work",
              "group discussions", "a final paper", "short presentations", "readings and essays", "hands-on exercises"]


def letters(rng, n):
    return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(n))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--courses", type=int, default=100_000)
    ap.add_argument("--learners", type=int, default=60_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    fields = list(FIELDS)
    per_subject = 250
    n_subjects = -(-args.courses // per_subject)
    codes = set()
    subjects = []
    while len(subjects) < n_subjects:
        code = letters(rng, rng.choice([2, 3, 4]))
        if code in codes:
            continue
        codes.add(code)
        field = fields[len(subjects) % len(fields)]
        # Each subject leans on a few of its field's topics and one of another field's.
        focus = rng.sample(FIELDS[field], 4) + [rng.choice(FIELDS[rng.choice(fields)])]
        subjects.append((code, field, focus))
    courses = []
    by_subject = {}
    for i in range(args.courses):
        code, field, focus = subjects[i % n_subjects]
        level = [100, 200, 300, 400, 500][min(4, int(rng.random() ** 1.3 * 5))]
        number = level + len(by_subject.setdefault((code, level), []))
        cid = f"{code} {number}"
        topic = rng.choice(focus)
        other = rng.choice([t for t in FIELDS[field] if t != topic])
        head, phrase = LEVEL_WORDS[level]
        title = f"{head} {topic.title()}" + (f" and {other.title()}" if rng.random() < 0.4 else "")
        description = (
            f"A {phrase} {topic} for students of {field}. The course {rng.choice(VERBS)} {other} "
            f"and {rng.choice(focus)}, with {rng.choice(ACTIVITIES)} and {rng.choice(ACTIVITIES)}."
        )
        course = {"id": cid, "title": title, "description": description, "tags": [field, topic],
                  "credits": rng.choice([3, 3, 4]), "level": level, "teaches": [topic],
                  "requires": [], "prerequisites": []}
        lower = [c for lv in (100, 200, 300, 400) if lv < level for c in by_subject.get((code, lv), [])[-40:]]
        if lower and rng.random() < 0.8:
            for _ in range(rng.choice([1, 1, 2])):
                group = sorted(set(rng.sample(lower, min(len(lower), rng.choice([1, 2, 3])))))
                if group not in course["prerequisites"]:
                    course["prerequisites"].append(group)
        by_subject[(code, level)].append(cid)
        courses.append(course)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "catalog.json"), "w") as f:
        json.dump({"courses": courses}, f, separators=(",", ":"))
    with open(os.path.join(args.out, "enrollments.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["user", "course"])
        for u in range(args.learners):
            taken = []
            for _ in range(rng.choice([1, 1, 2])):
                code = subjects[min(n_subjects - 1, int(rng.random() ** 2 * n_subjects))][0]
                for level in (100, 200, 300, 400):
                    pool = by_subject.get((code, level), [])
                    if pool and rng.random() < 0.85 - level / 1000:
                        taken.extend(rng.sample(pool[:60], min(len(pool[:60]), rng.choice([1, 2, 3]))))
            for c in dict.fromkeys(taken):
                w.writerow([f"L{u:06d}", c])
    print(f"wrote {len(courses)} courses in {n_subjects} subjects and {args.learners} learners to {args.out}")


if __name__ == "__main__":
    main()
