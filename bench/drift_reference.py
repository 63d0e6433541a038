#!/usr/bin/python3
"""The Python peer of `churnml drift` for bench/drift_wide_bench.sh.

Evidently cannot be installed on the benchmark machine (no pip), so this is
what it does per numerical column written directly with numpy/scipy, timed in
stages:
  load    pandas.read_csv of the reference and the current file;
  bin     quantile cut points from the reference (10 bins, duplicates removed,
          bin i holds e[i-1] <= v < e[i], as churnml's profile), then the
          counts of both sides (np.searchsorted + np.bincount);
  stats   per feature PSI (empty-bin floor 1e-4), Jensen-Shannon distance
          (scipy, base 2) and KS from the binned CDFs with the asymptotic
          p-value: the statistics churnml computes;
  ks_raw  scipy.stats.ks_2samp on the raw columns (what Evidently's "ks"
          stattest calls), timed separately.
With --profile PROFILE_JSON --churnml DRIFT_JSON it also recomputes PSI from
churnml's own reference edges and counts (profile.json) and the current file,
and prints the largest difference from churnml's PSI: the two implementations
agree on the numbers, not only on the idea.

usage: drift_reference.py REF.csv CUR.csv [--profile profile.json --churnml drift.json]
Prints one JSON object.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial.distance import jensenshannon

BINS = 10
FLOOR = 1e-4


def psi(ref_counts, cur_counts):
    p = ref_counts / ref_counts.sum()
    q = cur_counts / cur_counts.sum()
    both_empty = (ref_counts == 0) & (cur_counts == 0)
    p = np.where(p == 0, FLOOR, p)
    q = np.where(q == 0, FLOOR, q)
    terms = (q - p) * np.log(q / p)
    return float(np.sum(terms[~both_empty]))


def ks_from_bins(ref_counts, cur_counts):
    n, m = ref_counts.sum(), cur_counts.sum()
    d = float(np.max(np.abs(np.cumsum(ref_counts) / n - np.cumsum(cur_counts) / m)))
    ne = n * m / (n + m)
    lam = (np.sqrt(ne) + 0.12 + 0.11 / np.sqrt(ne)) * d
    return d, float(stats.kstwobign.sf(lam))


def counts(values, edges):
    # NaN (missing) gets its own last bin, as in churnml's profile.
    missing = np.isnan(values)
    c = np.bincount(np.searchsorted(edges, values[~missing], side="right"),
                    minlength=len(edges) + 1)
    return np.append(c, missing.sum())


def main(argv):
    ref_path, cur_path = argv[1], argv[2]
    opts = dict(zip(argv[3::2], argv[4::2]))
    out = {}
    t = time.perf_counter()
    ref = pd.read_csv(ref_path)
    cur = pd.read_csv(cur_path)
    out["load_seconds"] = time.perf_counter() - t
    features = [c for c in ref.columns if c not in ("id", "y")]
    out["rows"] = len(cur)
    out["features"] = len(features)

    t = time.perf_counter()
    binned = {}
    for name in features:
        r = ref[name].to_numpy(dtype=float)
        x = cur[name].to_numpy(dtype=float)
        rv = r[~np.isnan(r)]
        edges = np.unique(np.quantile(rv, np.arange(1, BINS) / BINS))
        binned[name] = (counts(r, edges), counts(x, edges))
    out["bin_seconds"] = time.perf_counter() - t

    t = time.perf_counter()
    drifted = 0
    for name in features:
        rc, cc = binned[name]
        value = psi(rc, cc)
        jensenshannon(rc / rc.sum(), cc / cc.sum(), base=2)
        _, p = ks_from_bins(rc, cc)
        drifted += value >= 0.1 and p < 0.05
    out["stats_seconds"] = time.perf_counter() - t
    out["drifted_features"] = int(drifted)

    t = time.perf_counter()
    for name in features:
        r = ref[name].to_numpy(dtype=float)
        x = cur[name].to_numpy(dtype=float)
        stats.ks_2samp(r[~np.isnan(r)], x[~np.isnan(x)])
    out["ks_raw_seconds"] = time.perf_counter() - t
    out["total_seconds"] = (out["load_seconds"] + out["bin_seconds"] + out["stats_seconds"])

    if "--profile" in opts and "--churnml" in opts:
        with open(opts["--profile"]) as f:
            profile = json.load(f)
        with open(opts["--churnml"]) as f:
            report = json.load(f)
        churnml_psi = {f["name"]: f["psi"] for f in report["features"]}
        worst = 0.0
        for h in profile["features"]:
            if h["kind"] != "numeric":
                continue
            x = cur[h["name"]].to_numpy(dtype=float)
            cc = counts(x, np.array(h["edges"], dtype=float))
            value = psi(np.array(h["counts"], dtype=float), cc.astype(float))
            worst = max(worst, abs(value - churnml_psi[h["name"]]))
        out["max_psi_difference_vs_churnml"] = worst
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main(sys.argv)
