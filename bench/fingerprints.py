#!/usr/bin/env python3
"""Document fingerprint benchmark (issue 18): bench/sets.py with --sets fingerprints (its --help has the rest).

  PYTHONPATH=tests/support/python bench/fingerprints.py [--documents N] [--chars C] [--files M] [--repeat R]
      [--reference-bin DIR] [--keep DIR]
"""

import sys

import sets

if __name__ == "__main__":
    sets.main(["--sets", "fingerprints"] + sys.argv[1:])
