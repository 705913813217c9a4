#!/usr/bin/env python3
"""How precise each rule of the packs is on labelled data, per dataset.

    scripts/rule-precision.py [--bin target/release/raqib] [--rules DIR]...
        [--data '../shared/datasets/*/all.jsonl'] [--split nontest|test|all] [--rule ID]...

Every row of the chosen split goes through `raqib check --no-model` (the rules and
the default policy only); each rule that matches is counted against the row's label
for the rule's own head (`spam` rules against `spam`, `abuse` rules against `abuse`;
rows whose label for that head is null are left out). Per rule and dataset it prints
the rows hit, how many of them are positive, that share, and the dataset's base rate
of positives, so a rule can be judged by its lift over the base rate rather than by
its raw precision (a rule right 85 % of the time on a set that is 82 % positive says
little). `--clean N` also prints up to N negative rows each rule hit.

The split is the training code's (`FNV-1a-64(id) % 100`, 90-99 = test). Choose and
word rules on `nontest` (the default) and read `test` once, afterwards.
"""

import argparse
import glob
import importlib.util
import json
import os
import subprocess
import sys
from collections import defaultdict


def _dev_split():
    """`dev-split.py` holds the one Python copy of the split rule; its name has a dash,
    so it is loaded by path."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dev-split.py")
    spec = importlib.util.spec_from_file_location("dev_split", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


split_bucket = _dev_split().split_bucket


def in_split(row_id: str, split: str) -> bool:
    test = split_bucket(row_id) >= 90
    return split == "all" or (split == "test") == test


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="target/release/raqib")
    ap.add_argument("--rules", action="append", default=[], help="rule files or directories instead of the configured packs")
    ap.add_argument("--data", action="append", default=[], help="JSON Lines files or globs (default: ../shared/datasets/*/all.jsonl)")
    ap.add_argument("--split", choices=["nontest", "test", "all"], default="nontest")
    ap.add_argument("--rule", action="append", default=[], help="only these rule ids")
    ap.add_argument("--clean", type=int, default=0, help="print up to N negative rows per rule")
    args = ap.parse_args()

    paths = sorted({p for g in (args.data or ["../shared/datasets/*/all.jsonl"]) for p in glob.glob(g)})
    if not paths:
        print("no data files matched", file=sys.stderr)
        return 2
    rows = {}
    base = defaultdict(lambda: {"spam": [0, 0], "abuse": [0, 0]})
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                r = json.loads(line)
                rid = str(r["id"])
                if not in_split(rid, args.split):
                    continue
                rows[rid] = r
                for head in ("spam", "abuse"):
                    if r.get(head) is not None:
                        base[r["source"]][head][0] += 1
                        base[r["source"]][head][1] += bool(r[head])

    # Run from the checkout, where `raqib check` finds its configuration and packs.
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cmd = [os.path.abspath(args.bin), "check", "--no-model"]
    for r in args.rules:
        cmd += ["--rules", os.path.abspath(r)]
    stdin = "".join(json.dumps({"id": rid, "text": r["text"], "lang": r.get("lang")}, ensure_ascii=False) + "\n" for rid, r in rows.items())
    out = subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=False, cwd=repo)
    if out.returncode != 0:
        print(out.stderr, file=sys.stderr)
        return out.returncode

    # rule -> source -> [hits, positives]
    counts = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    clean = defaultdict(list)
    for line in out.stdout.splitlines():
        verdict = json.loads(line)
        r = rows.get(verdict.get("id"))
        if r is None or "reasons" not in verdict:
            continue
        seen = set()
        for reason in verdict["reasons"]:
            rule, head = reason.get("rule_id"), reason.get("label")
            if rule is None or head not in ("spam", "abuse") or rule in seen:
                continue
            if args.rule and rule not in args.rule:
                continue
            seen.add(rule)
            if r.get(head) is None:
                continue
            c = counts[(rule, head)][r["source"]]
            c[0] += 1
            c[1] += bool(r[head])
            if not r[head] and len(clean[rule]) < args.clean:
                clean[rule].append(r["text"][:160].replace("\n", " "))

    for (rule, head), per_source in sorted(counts.items()):
        hits = sum(c[0] for c in per_source.values())
        pos = sum(c[1] for c in per_source.values())
        print(f"{rule} ({head}): {hits} rows hit, {pos} {head} ({pos / hits:.2f})")
        for source, (h, p) in sorted(per_source.items(), key=lambda kv: -kv[1][0]):
            n, bp = base[source][head]
            print(f"    {source:28s} {h:6d} hit {p:6d} {head} ({p / h:.2f})   base rate {bp / max(1, n):.2f}")
        for text in clean[rule]:
            print(f"      not {head}: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
