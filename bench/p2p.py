#!/usr/bin/env python3
"""P2P guard benchmark: prints figures, not a test. Needs root (namespaces, proc connector, kill).

  1. exec-to-kill latency over N launches of a program the built-in signatures know by name (a copy of
     sleep named ctorrent), started in a pid namespace the agent is scoped to: the agent's own figure
     (kernel exec timestamp to SIGKILL sent, p2p.exec_to_kill_us in each event) and the launcher's
     (posix_spawn to waitpid seeing SIGKILL, so fork, exec and reaping included).
  2. exec-deny decision time (deny_exec on, the default): N launches refused by the fanotify exec
     permission guard, the agent's figure (p2p.decision_us: from the kernel's question to the answer)
     and the launcher's (posix_spawn failing with EPERM).
  3. exec overhead: M runs of /bin/true, one after another, in the same pid namespace, with the agent
     watching (kill only, and with the exec permission guard, which every exec on the machine waits
     for) and without any agent (the reference), alternated to even out a shared machine's noise.
     Ratio = with agent / without.

  4. Debian variants (issue 19): the seven Debian clients, a renamed copy of each in another folder and
     two copies patched so their hash differs, each started once with deny_exec on and the built-in
     signatures: how many were stopped, how many refused before they ran, exec-to-stop (the agent's
     decision time for a refused exec, its exec-to-SIGKILL for a kill; the launcher's spawn -> EPERM
     or reaped beside it).
  5. Wine variants: the Winny stand-in of tests/integration/test_p2p_wine.py (built now with
     mingw-w64 and windres) under Debian's wine64, as installed, as a renamed copy in another folder
     and named without a folder (found on Wine's search path), each started once with the same agent:
     stopped or not, how (the loader's second exec refused, or killed after its first), the
     evidence, the agent's figure, and how many events the launch made (one decision per launch).
     The prefix is made first, before any figure is taken (its time is printed).

Goals (issues 5 and 19): p99 exec-to-kill <= 10 ms; overhead ratio <= 1.05; 14 of 14 variants stopped,
at least 12 refused before exec; the Wine variants stopped, one event each.
Usage: bench/p2p.py [--launches 100] [--runs 10000]   (run after scripts/build.sh, as root)
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("MAMORI_BIN_DIR", os.path.join(REPO, "build", "bin"))
from mamori_testkit import harness
from mamori_testkit.p2p import SandboxedRun, build_pe, make_torrent, missing_wine_tools, wine_argv
from p2p_idle import cpu_seconds  # (this folder's footprint bench)

# Headless commands of the Debian clients; {d} is a fresh folder per launch, {t} a torrent.
CLIENTS = {
    "transmission-daemon": ["-f", "-g", "{d}", "--no-dht", "--no-lpd", "--no-portmap", "-T"],
    "qbittorrent-nox": ["--profile={d}", "--webui-port=18080"],
    "aria2c": ["--enable-dht=false", "--bt-enable-lpd=false", "--dir={d}", "{t}"],
    "ctorrent": ["-s", "{d}/out", "{t}"],
    "rtorrent": ["-n", "-o", "system.daemon.set=true", "-o", "session.path.set={d}", "-o", "dht.mode.set=disable"],
    "deluged": ["-d", "-c", "{d}", "-L", "error"],
    "amuled": ["--config-dir={d}"],
}
RENAMED = {"transmission-daemon": "syncd", "qbittorrent-nox": "indexer", "aria2c": "notepad", "ctorrent": "backup",
           "rtorrent": "svchost", "deluged": "updater", "amuled": "mailer"}
PATCHED = {"ctorrent": ("archiver", b"Max peers count", b"Max peers Count"),
           "transmission-daemon": ("mirror", b"Run in the foreground", b"Run in the Foreground")}


def variants(work):
    """(label, argv) for the 7 installed clients, 7 renamed copies and 2 patched copies."""
    files = os.path.join(work, "files")
    os.makedirs(files, exist_ok=True)
    payload, torrent = os.path.join(files, "payload.bin"), os.path.join(files, "payload.torrent")
    with open(payload, "wb") as f:
        f.write(os.urandom(100_000))
    make_torrent(payload, torrent, "http://127.0.0.1:6969/announce")
    out = []
    for kind, table in (("installed", {p: None for p in CLIENTS}), ("renamed", RENAMED),
                        ("patched", {p: v[0] for p, v in PATCHED.items()})):
        for program, new_name in table.items():
            path = shutil.which(program)
            if new_name:
                folder = os.path.join(work, "copies", new_name)
                os.makedirs(folder, exist_ok=True)
                with open(path, "rb") as f:
                    data = f.read()
                if kind == "patched":
                    data = data.replace(*PATCHED[program][1:])
                path = os.path.join(folder, new_name)
                with open(path, "wb") as f:
                    f.write(data)
                os.chmod(path, 0o755)
            d = os.path.join(work, "state", f"{kind}-{program}")
            os.makedirs(d, exist_ok=True)
            out.append((f"{kind} {program}", [path, *[a.replace("{d}", d).replace("{t}", torrent)
                                                     for a in CLIENTS[program]]]))
    return out

# Runs inside the sandbox: times each launch (kill latency) or a whole loop of /bin/true runs.
LAUNCHER = r'''
import os, signal, sys, time
mode, count, program = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
if mode == "deny":
    out = []
    for _ in range(count):
        start = time.monotonic_ns()
        try:
            pid = os.posix_spawn(program[0], program, os.environ)
            os.waitpid(pid, 0)
        except PermissionError:
            out.append((time.monotonic_ns() - start) / 1e6)
    print(" ".join(f"{v:.3f}" for v in out))
elif mode == "kill":
    out = []
    for _ in range(count):
        start = time.monotonic_ns()
        pid = os.posix_spawn(program[0], program, os.environ)
        _, status = os.waitpid(pid, 0)
        end = time.monotonic_ns()
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
            out.append((end - start) / 1e6)
    print(" ".join(f"{v:.3f}" for v in out))
elif mode == "one":
    import select
    start = time.monotonic_ns()
    try:
        pid = os.posix_spawn(program[0], program, os.environ)
    except PermissionError:
        print(f"denied {(time.monotonic_ns() - start) / 1e6:.3f}")
        sys.exit(0)
    fd = os.pidfd_open(pid)
    ready = select.select([fd], [], [], count)[0]
    if not ready:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    took = (time.monotonic_ns() - start) / 1e6
    killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    print("ran" if not ready else (f"killed {took:.3f}" if killed else f"exited {took:.3f}"))
else:
    start = time.monotonic()
    for _ in range(count):
        pid = os.posix_spawn(program[0], program, os.environ)
        os.waitpid(pid, 0)
    print(f"{time.monotonic() - start:.6f}")
'''


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def wine_variants(work, prefix):
    """(label, argv, cwd, marker) for the Winny stand-in under wine64: installed, renamed, named without
    a folder; marker is in the argv of that launch only."""
    build = os.path.join(work, "wine", "build")
    os.makedirs(build, exist_ok=True)
    winny = build_pe("winny_like", build)
    out = []
    for label, folder, name, program in (("installed Winny.exe", "Winny", "Winny.exe", None),
                                         ("renamed notes.exe", "documents", "notes.exe", "./notes.exe"),
                                         ("no folder: notes2", "elsewhere", "notes2.exe", "notes2")):
        cwd = os.path.join(work, "wine", folder)
        os.makedirs(cwd, exist_ok=True)
        path = os.path.join(cwd, name)
        shutil.copy(winny, path)
        program = program or path
        out.append((label, wine_argv(prefix, program), cwd, path if program == path else program))
    return out


def run_in(sandbox, args, cwd=None):
    done = subprocess.run(["nsenter", "-t", str(sandbox.init_pid), "--pid", "--net", "--", *args],
                          capture_output=True, text=True, timeout=3600, cwd=cwd)
    if done.returncode != 0:
        sys.exit(f"bench/p2p.py: {' '.join(args[:3])} failed: {done.stderr}")
    return done.stdout.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--launches", type=int, default=100)
    parser.add_argument("--runs", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3,
                        help="overhead rounds: each a reference loop, then a loop with a fresh deny_exec agent")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench/p2p.py: run as root (namespaces, proc connector, kill)")
    with SandboxedRun("p2p") as run:  # stops what it holds at the end (the agent killed if it still runs)
        work, sandbox = run.work, run.sandbox
        launcher = os.path.join(work, "launcher.py")
        with open(launcher, "w") as f:
            f.write(LAUNCHER)
        client = os.path.join(work, "ctorrent")
        shutil.copy("/bin/sleep", client)

        def true_loop():
            return float(run_in(sandbox, ["python3", launcher, "loop", str(args.runs), "/bin/true"]))

        def start_agent(deny_exec):
            policy = os.path.join(work, f"policy-{deny_exec}.json")
            with open(policy, "w") as f:
                f.write('{"schema_version": 1, "version": 1, "name": "bench", "group": "default", '
                        f'"p2p_guard": {{"mode": "enforce", "deny_exec": {str(deny_exec).lower()}}}}}')
            started = harness.Agent(work, collector, name=f"agent-{deny_exec}",
                                    extra=["--p2p-scope", f"pidns:{sandbox.init_pid}", "--device-control", "off",
                                           "--policy", policy])
            started.start()
            harness.wait_until(lambda: "applied the local file" in started.process.output() or None, 60,
                               "the agent and its policy")
            return started

        def events(kind, n):
            return harness.wait_until(
                lambda: (lambda e: e if len(e) >= n else None)(api.events(type=kind)), 120,
                f"{n} {kind} events at the collector")

        # The Wine prefix before any figure (wineboot starts about 20 Windows processes once).
        missing = missing_wine_tools()
        wine_launches = []
        if not missing:
            prefix = os.path.join(work, "wine", "prefix")
            hello = build_pe("hello", os.path.join(work, "wine"))
            started = time.monotonic()
            run_in(sandbox, wine_argv(prefix, hello), cwd=os.path.join(work, "wine"))
            wine_prefix_s = time.monotonic() - started
            wine_launches = wine_variants(work, prefix)
        reference = [true_loop()]
        collector = run.collector = harness.Collector(work).start()
        api = collector.api()
        # Kill only (deny_exec false): every exec is looked at after it happened.
        agent = run.agent = start_agent(False)
        run_in(sandbox, ["python3", launcher, "kill", "1", client, "30"])  # warms the caches; not counted
        outside = [float(v) for v in run_in(sandbox, ["python3", launcher, "kill", str(args.launches), client,
                                                      "30"]).split()]
        with_kill = true_loop()
        inside = [e["details"]["p2p.exec_to_kill_us"] / 1000 for e in events("p2p.killed", args.launches + 1)
                  if "p2p.exec_to_kill_us" in e["details"]]
        agent.process.stop()
        reference.append(true_loop())
        # deny_exec on: the exec permission guard answers every exec on the machine.
        agent = run.agent = start_agent(True)
        refused = [float(v) for v in run_in(sandbox, ["python3", launcher, "deny", str(args.launches), client,
                                                      "30"]).split()]
        with_deny = true_loop()
        decisions = [e["details"]["p2p.decision_us"] / 1000 for e in events("p2p.exec_denied", args.launches)]
        # The Debian variants, once each, with the same agent (deny_exec on, built-in signatures).
        outcomes = []
        for label, argv in variants(work):
            result = run_in(sandbox, ["python3", launcher, "one", "20", *argv]).split()
            outcomes.append((label, argv[0], result[0], float(result[1]) if len(result) > 1 else None))

        # The Wine variants, once each, with the same agent (a launch not stopped in 20 s is ended).
        wine_outcomes = [(label, marker, run_in(sandbox, ["python3", launcher, "one", "20", *argv], cwd=cwd).split()[0])
                         for label, argv, cwd, marker in wine_launches]

        def agent_figure(path):
            """The agent's own exec-to-stop figure for the launch of path (decision or exec -> SIGKILL)."""
            for kind, key in (("p2p.exec_denied", "p2p.decision_us"), ("p2p.killed", "p2p.exec_to_kill_us")):
                for e in api.events(type=kind):
                    if (e["details"].get("process.executable") == path or path in e["details"]["process.args"]) \
                            and key in e["details"]:
                        return e["details"][key] / 1000, e["details"]["p2p.signals"]
            return None, []
        stops = [(label, path, outcome, took, *agent_figure(path)) for label, path, outcome, took in outcomes]
        agent.process.stop()
        agent = run.agent = None
        reference.append(true_loop())
        # Overhead again in rounds, reference and guarded back to back, so a busy machine's drift
        # lands on both sides of each ratio.
        paired = []
        cpu_per_exec = []
        for _ in range(args.rounds):
            ref_round = true_loop()
            agent = run.agent = start_agent(True)
            cpu_before = cpu_seconds(agent.process.pid)
            paired.append((ref_round, true_loop()))
            cpu_per_exec.append((cpu_seconds(agent.process.pid) - cpu_before) / args.runs * 1e6)
            agent.process.stop()
            agent = run.agent = None

        def line(label, values):
            return (f"  {label:<38} p50 {percentile(values, 50):7.2f} ms   p99 {percentile(values, 99):7.2f} ms   "
                    f"max {max(values):7.2f} ms   (n={len(values)})")
        print(f"P2P guard, {args.launches} launches of a known client (copy of sleep named ctorrent):")
        print(line("kill: in the agent (exec -> SIGKILL)", inside))
        print(line("kill: launcher (spawn -> reaped)", outside))
        print(line("deny: in the agent (question -> answer)", decisions))
        print(line("deny: launcher (spawn -> EPERM)", refused))
        ref = statistics.mean(reference)
        print("Debian variants (7 clients, 7 renamed copies; 2 patched copies beside), deny_exec on:")
        for label, path, outcome, took, agent_ms, signals in stops:
            evidence = ", ".join(sorted({f"{s['signal']} {s['matched'][:40]}" for s in signals}))
            figure = f"agent {agent_ms:7.2f} ms" if agent_ms is not None else "agent       -   "
            launcher_ms = f"launcher {took:7.2f} ms" if took is not None else "launcher      -   "
            print(f"  {label:<30} {outcome:<7} {figure}   {launcher_ms}   {evidence}")
        main14 = [s for s in stops if not s[0].startswith("patched")]
        stopped = [s for s in main14 if s[2] in ("denied", "killed")]
        before = [s for s in main14 if s[2] == "denied"]
        to_stop = [s[4] for s in main14 if s[4] is not None]
        patched_stop = [s[4] for s in stops if s[0].startswith("patched") and s[4] is not None]
        print(f"  stopped {len(stopped)} of {len(main14)}, refused before exec {len(before)} of {len(main14)} "
              f"(goal 14, >= 12); patched copies stopped "
              f"{sum(1 for s in stops if s[0].startswith('patched') and s[2] in ('denied', 'killed'))} of 2")
        if to_stop:
            print(f"  exec-to-stop in the agent: p50 {percentile(to_stop, 50):.2f} ms, p99 {percentile(to_stop, 99):.2f} ms, "
                  f"max {max(to_stop):.2f} ms over the 14 (first sight of each file: uncached; goal p99 <= 10 ms); "
                  f"patched copies {', '.join(f'{v:.2f}' for v in patched_stop)} ms (hash unknown: libraries and YARA)")
        if missing:
            print(f"Wine variants: not measured: missing {', '.join(missing)} (scripts/bootstrap.sh --test)")
        else:
            print(f"Wine variants (the Winny stand-in under wine64; prefix made in {wine_prefix_s:.1f} s), deny_exec on:")
            reported = [e for kind in ("p2p.exec_denied", "p2p.killed", "p2p.detected") for e in api.events(type=kind)]
            wine_stops = []
            for label, marker, outcome in wine_outcomes:
                mine = [e for e in reported if any(marker in a for a in e["details"].get("process.args", []))]
                action = mine[0]["details"]["p2p.action"] if mine else "none"
                figure = None
                if mine:
                    d = mine[0]["details"]
                    figure = (d.get("p2p.decision_us") if action == "exec_denied" else d.get("p2p.exec_to_kill_us"))
                wine_stops.append((action, figure))
                evidence = ", ".join(sorted({f"{s['signal']} {s['matched'][:40]}" for s in
                                             (mine[0]["details"]["p2p.signals"] if mine else [])}))
                agent_ms = f"agent {figure / 1000:7.2f} ms" if figure is not None else "agent       -   "
                print(f"  {label:<22} {action:<12} {agent_ms}   launcher: {outcome:<7} events {len(mine)}   {evidence}")
            stopped = [a for a, _ in wine_stops if a in ("exec_denied", "killed")]
            print(f"  stopped {len(stopped)} of {len(wine_stops)}: refused at the loader's second exec "
                  f"{stopped.count('exec_denied')}, killed after its first exec {stopped.count('killed')} (before "
                  f"Wine maps the program); agent figure = decision time when refused, exec -> SIGKILL when killed")
        print(f"exec overhead, {args.runs} runs of /bin/true:")
        print(f"  without agent (reference): {ref:8.3f} s  ({', '.join(f'{r:.3f}' for r in reference)})")
        print(f"  with agent, kill only:     {with_kill:8.3f} s   ratio {with_kill / ref:6.3f}  (goal <= 1.05)")
        print(f"  with agent, deny_exec:     {with_deny:8.3f} s   ratio {with_deny / ref:6.3f}  (goal <= 1.05)")
        ratios = sorted(w / r for r, w in paired)
        print(f"  {args.rounds} rounds (reference, then deny_exec agent): ratios "
              f"{', '.join(f'{x:.3f}' for x in ratios)}; median {ratios[len(ratios) // 2]:.3f}  (goal <= 1.05)")
        # On two cores the agent's work runs beside the loop; on a one-core PC (or a busy one) it is
        # paid in full: the agent's CPU time per exec says what the wall-time ratio hides.
        print(f"  the agent's CPU per exec (all its threads, deny_exec): "
              f"{', '.join(f'{x:.1f}' for x in cpu_per_exec)} us; the reference loop's wall time per run "
              f"{ref / args.runs * 1e6:.1f} us")
        print(f"  load average during the run: {harness.load_average()}")


if __name__ == "__main__":
    main()
