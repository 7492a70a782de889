#!/usr/bin/env python3
"""mamori-inspect on a generated developer home: prints figures, not a test (issue 5).

The program search looks for renamed P2P clients in the whole home (cbfdd08); this measures what
that costs next to the content scan on a home such as a developer's: a real `python3 -m venv` and
copies of it, a node_modules-like tree of --scripts small executable scripts (#!/usr/bin/env node),
--large ELF files (copies of /usr/bin/node grown to 100-300 MiB with its own bytes), AppImage-named
files, executables without a known header, and ordinary documents. Both builds inspect the same home
in alternating rounds (`--home DIR --no-system-programs --no-processes --unsigned`):

  wall, CPU (user + system), bytes read (rchar of /proc/PID/io at exit), peak RSS, and the wall of
  the program search alone (from the tool's "Looking for P2P programs" line to the next one) beside
  that of the content scan ("Counting files" to the end).

Usage: bench/inspect_sweep.py [--reference /tmp/ref34/mamori-inspect] [--rounds 3] [--keep DIR]
"""

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 1 << 20


def write(path, data, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def grow(source, path, size):
    """An ELF file of size bytes: source's bytes repeated (a real program's, not zeros)."""
    with open(source, "rb") as f:
        body = f.read(64 * MIB)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        left = size
        while left > 0:
            f.write(body[:left])
            left -= min(left, len(body))
    os.chmod(path, 0o755)


def make_home(home, scripts, large, seed=5):
    rnd = random.Random(seed)
    # Python virtualenvs: one real, copies of it (projects each keep their own).
    venv = os.path.join(home, "src", "proj0", ".venv")
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    for i in range(1, 4):
        shutil.copytree(venv, os.path.join(home, "src", f"proj{i}", ".venv"), symlinks=True)
    # node_modules: packages with a bin/ script each, a few files beside.
    nm = os.path.join(home, "src", "web", "node_modules")
    for i in range(scripts):
        pkg = os.path.join(nm, f"pkg{i // 10}", "bin", f"cli{i % 10}.js")
        body = "#!/usr/bin/env node\n'use strict';\n" + "".join(
            f"const v{j} = require('./lib/m{j}');\n" for j in range(rnd.randint(5, 60)))
        write(pkg, body.encode(), 0o755)
        if i % 10 == 0:
            write(os.path.join(nm, f"pkg{i // 10}", "package.json"), b'{"name": "pkg", "version": "1.0.0"}\n')
    # Toolchains: large ELF files (a Steam game, an IDE, a rustc) and AppImages.
    node = shutil.which("node") or "/usr/bin/ls"
    sizes = [100, 180, 300, 140, 220][:large]
    places = [".local/share/Steam/steamapps/common/Game/game.x86_64", ".rustup/toolchains/stable/lib/librustc_driver.so",
              ".local/share/JetBrains/Toolbox/apps/idea/jbr/bin/java", "go/pkg/tool/linux_amd64/compile",
              ".cache/bazel/_bazel/install/embedded_tools/bazel"]
    for size, place in zip(sizes, places):
        grow(node, os.path.join(home, place), size * MIB)
    for i, size in enumerate([30, 60, 90, 120]):
        grow("/usr/bin/ls", os.path.join(home, "Applications" if i % 2 else "apps", f"Tool{i}.AppImage"), size * MIB)
    # Executables of no program format (data files with the x bit, e.g. from a FAT stick).
    for i in range(200):
        write(os.path.join(home, "stick", f"photo{i}.jpg"), b"\xff\xd8\xff\xe0" + os.urandom(rnd.randint(50_000, 400_000)),
              0o755)
    # Documents.
    words = "report budget customer meeting design review quarter plan sales contract".split()
    for i in range(2000):
        text = " ".join(rnd.choice(words) for _ in range(rnd.randint(100, 3000)))
        write(os.path.join(home, "Documents", f"d{i // 100}", f"note{i}.txt"), text.encode())


def run(binary, home, out):
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    start = time.monotonic()
    proc = subprocess.Popen([binary, "--home", home, "--no-system-programs", "--no-processes", "--out", out,
                             "--unsigned"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    marks = {}
    for line in proc.stderr:
        now = time.monotonic() - start
        for key, text in (("programs", "Looking for P2P programs"), ("after", "Looking for P2P clients"),
                          ("count", "Counting files")):
            if text in line and key not in marks:
                marks[key] = now
    os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
    with open(f"/proc/{proc.pid}/io") as f:
        io = dict(line.split(": ") for line in f.read().splitlines())
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "read_mib": int(io["rchar"]) / MIB,
        "rss_mib": usage.ru_maxrss / 1024,
        "search": marks.get("after", wall) - marks.get("programs", 0),
        "content": wall - marks.get("count", wall),
        "exit": os.waitstatus_to_exitcode(status),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(REPO, "build", "bin", "mamori-inspect"))
    ap.add_argument("--reference", default="/tmp/ref34/mamori-inspect")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--scripts", type=int, default=5000)
    ap.add_argument("--large", type=int, default=3, help="large ELF files, 100-300 MiB (at most 5)")
    ap.add_argument("--keep", help="generate the home into DIR (reused when it exists)")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="inspect-sweep-")
    home = args.keep or os.path.join(work, "home")
    try:
        if not os.path.isdir(home):
            t = time.monotonic()
            make_home(home, args.scripts, args.large)
            print(f"home generated in {time.monotonic() - t:.1f} s", file=sys.stderr)
        files = sum(len(f) for _, _, f in os.walk(home))
        size = sum(os.path.getsize(os.path.join(d, n)) for d, _, fs in os.walk(home) for n in fs
                   if not os.path.islink(os.path.join(d, n)))
        print(f"home: {home}, {files} files, {size / MIB:.0f} MiB")
        builds = [("reference", args.reference), ("this build", args.binary)]
        rows = {name: [] for name, _ in builds}
        for r in range(args.rounds):
            order = builds if r % 2 == 0 else builds[::-1]
            for name, binary in order:
                res = run(binary, home, os.path.join(work, "out"))
                rows[name].append(res)
                print(f"round {r + 1} {name:10}: wall {res['wall']:.2f} s, CPU {res['cpu']:.2f} s, "
                      f"program search {res['search']:.2f} s, content scan {res['content']:.2f} s, read "
                      f"{res['read_mib']:.0f} MiB, peak RSS {res['rss_mib']:.0f} MiB, exit {res['exit']}, "
                      f"load {os.getloadavg()[0]:.1f}", flush=True)
        print()
        print(f"{'median of ' + str(args.rounds):18} | {'wall s':>7} | {'CPU s':>6} | {'search s':>8} | "
              f"{'content s':>9} | {'search/content':>14} | {'read MiB':>8} | {'RSS MiB':>7}")
        for name, _ in builds:
            med = {k: sorted(x[k] for x in rows[name])[len(rows[name]) // 2] for k in rows[name][0]}
            print(f"{name:18} | {med['wall']:7.2f} | {med['cpu']:6.2f} | {med['search']:8.2f} | "
                  f"{med['content']:9.2f} | {med['search'] / max(med['content'], 1e-9):13.0%} | "
                  f"{med['read_mib']:8.0f} | {med['rss_mib']:7.0f}")
        print(f"load average now {os.getloadavg()[0]:.1f} (2 cores shared)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
