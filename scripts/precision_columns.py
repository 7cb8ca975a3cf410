#!/usr/bin/env python3
"""precision_columns.py: bf16 against fp32, column by column.

Usage: precision_columns.py EVGEN PREFIX [COLUMN...]   (EVGEN: the evgen
CLI, talking to the evgend in EVGEN_SERVER; PREFIX-fp32-2.npy,
PREFIX-fp32-3.npy, PREFIX-bf16-2.npy, PREFIX-bf16-3.npy from
scripts/precision-results.sh, each with its .columns list)

For each column (default: every column whose name ends in _gev), prints
the number of distinct values in fp32 and bf16 (seed 2), and from evgen's
own ks metric the KS statistic of bf16 (seed 3) against fp32 (seed 2),
the floor (fp32 seed 3 against fp32 seed 2) and the KS of the paired rows
(both seed 2), the three worst columns first. A generator whose output is
rounded to bf16 takes only a few thousand distinct values per column,
which the paired check does not see. Needs numpy (/usr/bin/python3 on
Debian) for the distinct counts.
"""
import json
import subprocess
import sys

import numpy as np


def load(path):
    with open(path + ".columns") as f:
        return np.load(path), f.read().split()


def ks(evgen, reference, candidate, columns):
    """Per-column KS statistics of candidate against reference, by evgen's ks metric."""
    run = subprocess.run([evgen, "--json", "metrics", "compare", reference, candidate, "-m", "ks",
                          "-O", "columns=" + ",".join(columns)], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit("precision_columns.py: evgen metrics compare %s %s failed: %s" % (reference, candidate,
                                                                                   run.stderr.strip()))
    details = json.loads(run.stdout)["results"][0]["details_json"]["columns"]
    return {name: details[name]["statistic"] for name in columns}


def main():
    evgen, prefix = sys.argv[1], sys.argv[2]
    fp32_2, columns = load(prefix + "-fp32-2.npy")
    bf16_2, _ = load(prefix + "-bf16-2.npy")
    wanted = sys.argv[3:] or [c for c in columns if c.endswith("_gev")]
    reference = prefix + "-fp32-2.npy"
    shifted = ks(evgen, reference, prefix + "-bf16-3.npy", wanted)
    floor = ks(evgen, reference, prefix + "-fp32-3.npy", wanted)
    paired = ks(evgen, reference, prefix + "-bf16-2.npy", wanted)
    rows = []
    for name in wanted:
        i = columns.index(name)
        rows.append((shifted[name], name, floor[name], paired[name], len(np.unique(fp32_2[:, i])),
                     len(np.unique(bf16_2[:, i]))))
    rows.sort(reverse=True)
    print("distinct values over %d rows: fp32 %d-%d, bf16 %d-%d" % (
        len(fp32_2), min(r[4] for r in rows), max(r[4] for r in rows), min(r[5] for r in rows),
        max(r[5] for r in rows)))
    for r in rows[:3]:
        print("%-12s KS bf16 vs fp32 %.4f, floor %.4f, paired %.4f" % (r[1], r[0], r[2], r[3]))


if __name__ == "__main__":
    main()
