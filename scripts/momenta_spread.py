#!/usr/bin/env python3
"""momenta_spread.py: how wide a ttbar -> 6 quark sample's momenta are.

Usage: momenta_spread.py REFERENCE.npy SAMPLE.npy   (files from `evgen
datasets export` / `evgen sample -o`, each with its .columns list)

Prints the mean, smallest and largest ratio of generated to reference
standard deviation over the 18 components p{1..6}_{px,py,pz}_gev. A
generator collapsed onto a few events can put the mass peaks in place while
these ratios fall far below 1. Needs numpy (/usr/bin/python3 on Debian).
"""
import sys

import numpy as np


def load(path):
    with open(path + ".columns") as f:
        return np.load(path), f.read().split()


def main(reference_path, sample_path):
    reference, reference_columns = load(reference_path)
    sample, sample_columns = load(sample_path)
    ratios = []
    for i in range(1, 7):
        for component in ("px", "py", "pz"):
            name = "p%d_%s_gev" % (i, component)
            ratios.append(sample[:, sample_columns.index(name)].std() /
                          reference[:, reference_columns.index(name)].std())
    print("momenta spread (generated / reference standard deviation): mean %.3f, min %.3f, max %.3f" %
          (np.mean(ratios), min(ratios), max(ratios)))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
