#!/usr/bin/env python3
"""The extraction sandbox workers' start (docs/decisions/0062): prints figures, asserts nothing.

Starts each worker as the scanner does (drivers/linux/LinuxSandbox: posix_spawn with one end of a
socketpair on descriptor 3, stdin on /dev/null, an empty environment), closes the channel at once (the
worker confines itself: user drop when run as root, rlimits, seccomp; then reads the end and exits 0)
and reaps it; CPU per start from the children's rusage (user + system), wall per start beside it.
/bin/true is the floor (exec and the loader's cpuid probes). Rounds alternate the programs.

Usage: bench/worker_start.py [--starts N] [--rounds R] [--baseline DIR]   (DIR: an older build's bin)
"""

import argparse
import os
import resource
import socket
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("MAMORI_BIN_DIR", os.path.join(REPO, "build", "bin"))


def start_many(program, starts):
    """CPU ms and wall ms per start of program, started starts times."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.monotonic()
    for _ in range(starts):
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.posix_spawn(program, [program], {}, file_actions=[
            (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
            (os.POSIX_SPAWN_DUP2, child.fileno(), 3),
        ])
        child.close()
        parent.close()
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"worker_start.py: {program} ended with {os.waitstatus_to_exitcode(status)}")
    wall = time.monotonic() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu * 1000 / starts, wall * 1000 / starts


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--starts", type=int, default=100, help="starts per program and round (default 100)")
    parser.add_argument("--rounds", type=int, default=3, help="alternated rounds (default 3)")
    parser.add_argument("--baseline", metavar="DIR", help="also an older build's workers in DIR")
    args = parser.parse_args()
    programs = [("/bin/true", "/bin/true")]
    for label, folder in (("baseline", args.baseline), ("this build", BIN)):
        if folder is None:
            continue
        for name in ("mamori-extract", "mamori-extract-light"):
            path = os.path.join(folder, name)
            if os.access(path, os.X_OK):
                programs.append((f"{label}: {name}", path))
    print(f"worker start: {args.starts} starts x {args.rounds} rounds, as {'root' if os.geteuid() == 0 else 'a user'}; "
          f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    results = {label: [] for label, _ in programs}
    for _ in range(args.rounds):
        for label, path in programs:
            results[label].append(start_many(path, args.starts))
    for label, runs in results.items():
        cpus = sorted(r[0] for r in runs)
        walls = sorted(r[1] for r in runs)
        print(f"  {label:40s} CPU {cpus[len(cpus) // 2]:6.3f} ms per start (best {cpus[0]:.3f}), "
              f"wall {walls[len(walls) // 2]:6.3f} ms")
    print(f"load after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
