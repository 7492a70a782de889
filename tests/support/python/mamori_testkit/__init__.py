"""mamori's Python test kit: what the process-level tests (tests/), the end-to-end guests (tests/e2e/)
and the benchmarks (bench/) share. One package, found through PYTHONPATH:

- ctest sets PYTHONPATH=tests/support/python for every Python test (tests/CMakeLists.txt,
  MAMORI_PYTHON_ENV), and the C++ tests that write fixtures run their generator with it;
- by hand, from the repository's top folder:
      export PYTHONPATH=$PWD/tests/support/python MAMORI_BIN_DIR=$PWD/build/bin
      (cd tests/integration && python3 -m unittest -v test_delivery)
      bench/p2p.py ...

Modules: harness (collector and agent processes, TLS client, waits with deadlines), cupsd (a test-owned
CUPS scheduler), make_fixtures with archive_fixtures and mail_fixtures (the scanner's fixture tree;
`python3 -m mamori_testkit.make_fixtures OUT_DIR`), edm_fixtures (customer tables), scan_trees (the
generated trees of bench/scan.py and bench/sets.py: plain, office and home-like mixed), p2p (namespace
sandbox, torrents, the Wine stand-in), rsyslog (a test-owned rsyslog), qemu_guest and plug_timing (the
QEMU guests of tests/e2e).
"""
