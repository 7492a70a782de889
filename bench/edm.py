#!/usr/bin/env python3
"""Exact-data-match benchmark (issue 18): bench/sets.py with --sets edm (its --help has the rest).

  PYTHONPATH=tests/support/python bench/edm.py [--rows N] [--files M] [--repeat R] [--reference-bin DIR] [--keep DIR]
"""

import sys

import sets

if __name__ == "__main__":
    sets.main(["--sets", "edm"] + sys.argv[1:])
