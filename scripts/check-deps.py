#!/usr/bin/env python3
"""Checks every #include "..." in the repository against the dependency rules.

The rules live in docs/ARCHITECTURE.md, in the block after the line `<!-- dependency rules -->`, so the
page and the check cannot disagree. Each rule line is

    FOLDER/: ALLOWED/ ALLOWED/ ...
    FILES: ALLOWED/ ALLOWED/ ...

A source file is judged by the rule of the longest FOLDER that holds it; it may include files of its own
folder and of every ALLOWED prefix (`*` allows anything). A file under no rule is an error, so a new
top-level folder gets a rule before it gets code. FILES (no trailing `/`) is a path or a glob
(`agent/app/LinuxDrivers.*`) for the few files that may include more than their folder: such a rule
wins over every folder rule, two of them for one file is an error, and so is one that matches no file
(a renamed file must not leave its allowance behind).

Known violations that are being removed are listed in scripts/deps-allowlist.txt, one
`FILE INCLUDE  # issue N` per line. The list may only shrink: an entry whose include is gone is an error
too, so it is deleted in the commit that fixes it.

Exit code: 0 clean, 1 forbidden includes or stale allow-list entries, 2 the rules cannot be read.
Usage: scripts/check-deps.py [--root DIR]
"""

import argparse
import fnmatch
import pathlib
import re
import subprocess
import sys

MARKER = "<!-- dependency rules -->"
SOURCE_SUFFIXES = (".cpp", ".h", ".cc", ".c", ".hpp")
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.MULTILINE)


def read_rules(architecture: pathlib.Path):
    text = architecture.read_text(encoding="utf-8")
    at = text.find(MARKER)
    if at < 0:
        raise ValueError(f"{architecture}: no '{MARKER}' line")
    block = re.search(r"```[a-z]*\n(.*?)```", text[at:], re.DOTALL)
    if block is None:
        raise ValueError(f"{architecture}: no code block after '{MARKER}'")
    rules = {}
    for number, line in enumerate(block.group(1).splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        folder, sep, allowed = line.partition(":")
        if not sep or not folder or " " in folder:
            raise ValueError(f"{architecture}: rule line {number}: expected 'FOLDER/: ALLOWED/ ...', got {line!r}")
        if folder in rules:
            raise ValueError(f"{architecture}: rule line {number}: {folder} has two rules")
        rules[folder] = allowed.split()
    if not rules:
        raise ValueError(f"{architecture}: the rules block is empty")
    return rules


def read_allowlist(path: pathlib.Path):
    entries = {}
    if not path.exists():
        return entries
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line, _, comment = raw.partition("#")
        line = line.strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2 or not re.search(r"issue \d+", comment):
            raise ValueError(f"{path}:{number}: expected 'FILE INCLUDE  # issue N', got {raw!r}")
        entries[(parts[0], parts[1])] = number
    return entries


def is_file_rule(key: str) -> bool:
    return not key.endswith("/")


def rule_for(path: str, rules):
    """The rule that judges path: its file rule, else the longest folder holding it; a list of every
    file rule that matches when there are several (an error for the caller)."""
    files = [key for key in rules if is_file_rule(key) and fnmatch.fnmatchcase(path, key)]
    if len(files) > 1:
        return files
    if files:
        return files[0]
    best = None
    for folder in rules:
        if not is_file_rule(folder) and path.startswith(folder) and (best is None or len(folder) > len(best)):
            best = folder
    return best


def own_folder(rule: str) -> str:
    """What a file under this rule may always include: its folder (a file rule's folder too)."""
    if not is_file_rule(rule):
        return rule
    return rule.rsplit("/", 1)[0] + "/" if "/" in rule else rule  # a top-level file: nothing beside it


def tracked_sources(root: pathlib.Path):
    out = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], check=True, capture_output=True).stdout
    return sorted(p for p in out.decode().split("\0") if p.endswith(SOURCE_SUFFIXES))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=pathlib.Path(__file__).resolve().parent.parent, type=pathlib.Path)
    args = parser.parse_args()
    root = args.root
    try:
        rules = read_rules(root / "docs/ARCHITECTURE.md")
        allowlist = read_allowlist(root / "scripts/deps-allowlist.txt")
    except (OSError, ValueError) as error:
        print(f"check-deps: {error}", file=sys.stderr)
        return 2

    problems = []
    used = set()
    matched_rules = set()
    for path in tracked_sources(root):
        folder = rule_for(path, rules)
        if folder is None:
            problems.append(f"{path}: no dependency rule covers this folder (add one to docs/ARCHITECTURE.md)")
            continue
        if isinstance(folder, list):
            problems.append(f"{path}: {len(folder)} file rules match it ({' '.join(folder)}); keep one")
            continue
        matched_rules.add(folder)
        allowed = [own_folder(folder)] + rules[folder]
        text = (root / path).read_text(encoding="utf-8", errors="replace")
        for match in INCLUDE.finditer(text):
            include = match.group(1)
            line = text.count("\n", 0, match.start()) + 1
            if "*" in allowed or any(include.startswith(prefix) for prefix in allowed):
                continue
            if (path, include) in allowlist:
                used.add((path, include))
                continue
            problems.append(f"{path}:{line}: includes {include}, but {folder} may include only "
                            f"{' '.join(allowed)}")
    for key in rules:
        if is_file_rule(key) and key not in matched_rules:
            problems.append(f"docs/ARCHITECTURE.md: the rule for {key} matches no source file: delete or fix it")
    for (path, include), number in sorted(allowlist.items(), key=lambda item: item[1]):
        if (path, include) not in used:
            problems.append(f"scripts/deps-allowlist.txt:{number}: {path} no longer includes {include} "
                            "(or may now): delete the entry")
    for problem in problems:
        print(problem)
    if problems:
        print(f"check-deps: {len(problems)} problem(s); rules in docs/ARCHITECTURE.md", file=sys.stderr)
        return 1
    print(f"check-deps: clean ({len(allowlist)} allow-listed include(s) left)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
