#!/usr/bin/env python3
"""Compares `churnml audit` with Debian's Bandit on a Python tree.

    bench/audit_vs_bandit.py CHURNML_BINARY PATH [--triage FILE]

Runs both tools (churnml with the Python rules only, Bandit with every
plugin), maps each finding to a category both tools cover (shell, eval, sql,
hash, cipher, random, tls, pickle, yaml, markup, autoescape) and matches them
by (file, line, category). Findings of categories only one tool has (Bandit's
import/assert/subprocess-without-shell plugins; churnml's torch, numpy,
path-traversal, archive and template rules) are counted apart.

When PATH holds "# expect: CML-..." comments (src/audit/testdata/python),
they are the ground truth and precision/recall are printed for both tools.
Otherwise the findings only one tool reports are written to --triage for
review by hand (docs/audit.md records the verdicts).
"""
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict

CHURNML_CATEGORY = {
    "CML-I010": "shell", "CML-I011": "shell", "CML-I020": "eval",
    "CML-I001": "sql", "CML-I003": "sql", "CML-C001": "hash", "CML-C003": "cipher",
    "CML-C004": "random", "CML-C005": "tls", "CML-D001": "pickle", "CML-D002": "pickle",
    "CML-D004": "yaml", "CML-X004": "markup", "CML-X007": "autoescape",
    # No Bandit 1.6 counterpart:
    "CML-D003": "torch*", "CML-D005": "numpy*", "CML-P001": "path*", "CML-P003": "archive*",
    "CML-X006": "template*",
}
BANDIT_CATEGORY = {
    "B605": "shell", "B602": "shell", "B604": "shell", "B307": "eval", "B102": "eval",
    "B608": "sql", "B303": "hash", "B324": "hash", "B304": "cipher", "B305": "cipher",
    "B311": "random", "B501": "tls", "B323": "tls", "B301": "pickle", "B302": "pickle",
    "B506": "yaml", "B308": "markup", "B703": "markup", "B701": "autoescape",
}
PY_RULES = ",".join(sorted(CHURNML_CATEGORY))
EXPECT = re.compile(r"# expect: (CML-[A-Z0-9]+) ")


def run_churnml(binary, path):
    start = time.monotonic()
    out = subprocess.run([os.path.abspath(binary), "audit", ".", "--rules", PY_RULES,
                          "--format", "json", "--exit-zero", "--jobs", "2", "--no-gitignore"],
                         check=True, capture_output=True, text=True, cwd=path).stdout
    elapsed = time.monotonic() - start
    found = set()
    for f in json.loads(out)["findings"]:
        found.add((os.path.normpath(f["path"]), f["line"], CHURNML_CATEGORY[f["rule_id"]],
                   f["rule_id"] + " " + f["severity"]))
    return found, elapsed


def run_bandit(path):
    start = time.monotonic()
    proc = subprocess.run(["bandit", "-r", path, "-f", "json", "-q"], capture_output=True,
                          text=True)
    elapsed = time.monotonic() - start
    doc = json.loads(proc.stdout)
    found, other = set(), Counter()
    for r in doc["results"]:
        rel = os.path.normpath(os.path.relpath(r["filename"], path))
        cat = BANDIT_CATEGORY.get(r["test_id"])
        if cat is None:
            other[r["test_id"]] += 1
            continue
        found.add((rel, r["line_number"], cat, r["test_id"] + " " + r["issue_severity"].lower()))
    return found, other, elapsed, len(doc.get("errors", []))


def ground_truth(path):
    truth = set()
    for d, _, files in os.walk(path):
        for name in files:
            if not name.endswith(".py"):
                continue
            full = os.path.join(d, name)
            for i, line in enumerate(open(full, encoding="utf-8"), 1):
                m = EXPECT.search(line)
                if m:
                    truth.add((os.path.normpath(os.path.relpath(full, path)), i,
                               CHURNML_CATEGORY[m.group(1)]))
    return truth


def keys(found):
    return {(f, l, c) for f, l, c, _ in found}


def main():
    binary, path = sys.argv[1], sys.argv[2]
    triage = sys.argv[sys.argv.index("--triage") + 1] if "--triage" in sys.argv else None
    mine, t_mine = run_churnml(binary, path)
    theirs, other, t_theirs, errors = run_bandit(path)
    files = sum(1 for d, _, fs in os.walk(path) for f in fs if f.endswith(".py"))
    print(f"{path}: {files} Python files; churnml {t_mine:.2f} s, Bandit {t_theirs:.2f} s "
          f"({errors} files Bandit could not parse)")
    shared = {k for k in keys(mine) if not k[2].endswith("*")}
    a, b = shared, keys(theirs)
    print(f"shared categories: both {len(a & b)}, only churnml {len(a - b)}, "
          f"only Bandit {len(b - a)}")
    per = defaultdict(lambda: [0, 0, 0])
    for k in a | b:
        per[k[2]][0 if k in a and k in b else (1 if k in a else 2)] += 1
    for cat in sorted(per):
        print(f"  {cat:11} both {per[cat][0]:4}  only churnml {per[cat][1]:4}  "
              f"only Bandit {per[cat][2]:4}")
    extra = Counter(k[2] for k in keys(mine) if k[2].endswith("*"))
    print("churnml-only categories:", dict(extra))
    print("Bandit findings outside the shared categories:", dict(other.most_common()))
    truth = ground_truth(path)
    if truth:
        truth_shared = {t for t in truth if not t[2].endswith("*")}
        for name, scored in (("churnml", keys(mine)), ("Bandit", b)):
            tp = len(scored & truth)
            fp = sorted(scored - truth)
            fn = sorted(truth - scored)
            tp_shared = len(scored & truth_shared)
            print(f"{name}: precision {tp}/{len(scored)} = {tp / max(1, len(scored)):.2f}, "
                  f"recall {tp}/{len(truth)} = {tp / len(truth):.2f} (shared categories only: "
                  f"{tp_shared}/{len(truth_shared)} = {tp_shared / len(truth_shared):.2f})")
            for k in fp:
                print(f"    false positive {k[0]}:{k[1]} {k[2]}")
            for k in fn:
                print(f"    missed {k[0]}:{k[1]} {k[2]}")
    if triage:
        with open(triage, "w", encoding="utf-8") as out:
            for label, items in (("only churnml", sorted(mine)), ("only Bandit", sorted(theirs))):
                other_keys = b if label == "only churnml" else a
                for f, l, c, what in items:
                    if (f, l, c) in other_keys or c.endswith("*") and label == "only Bandit":
                        continue
                    src = open(os.path.join(path, f), encoding="utf-8", errors="replace")
                    text = src.read().splitlines()[l - 1].strip() if l > 0 else ""
                    out.write(f"{label}\t{c}\t{what}\t{f}:{l}\t{text[:140]}\n")
        print("triage list:", triage)


if __name__ == "__main__":
    main()
