#!/usr/bin/env python3
"""A development split for choosing training settings without touching test.

    scripts/dev-split.py [--prefix d:] [--data '../shared/datasets/*/all.jsonl'] [--out /tmp/dev]

Every shared row outside the test split (the split rule is `FNV-1a-64(id) % 100`,
90-99 = test, as in `eval::data::split_of`) is written with its id prefixed by
`--prefix` to `OUT/<prefix>/<source>/all.jsonl`. The prefix re-deals those rows by the
same rule, so about a tenth of them (~15,000 rows) lands in the new files' "test"
split: the development set. Train on the files and evaluate with `--split test`:

    raqib train --data /tmp/dev/d/*/all.jsonl --out /tmp/dev/d.bin
    raqib eval --model /tmp/dev/d.bin --data /tmp/dev/d/*/all.jsonl --split test

Neither run reads a row of the real test split. A second prefix (`e:`) gives a second,
independent development set to confirm a choice. The copies belong in /tmp, never in
the repository.
"""

import argparse
import glob
import json
import os


def split_bucket(row_id: str) -> int:
    h = 0xCBF29CE484222325
    for b in row_id.encode("utf-8"):
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h % 100


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prefix", default="d:")
    ap.add_argument("--data", default="../shared/datasets/*/all.jsonl")
    ap.add_argument("--out", default="/tmp/dev")
    args = ap.parse_args()

    out_dir = os.path.join(args.out, args.prefix.strip(":"))
    written = 0
    for path in sorted(glob.glob(args.data)):
        source = os.path.basename(os.path.dirname(path))
        os.makedirs(os.path.join(out_dir, source), exist_ok=True)
        with open(path, encoding="utf-8") as src, open(
            os.path.join(out_dir, source, "all.jsonl"), "w", encoding="utf-8"
        ) as dst:
            for line in src:
                if not line.strip():
                    continue
                row = json.loads(line)
                if split_bucket(row.get("id", "")) >= 90:
                    continue
                row["id"] = args.prefix + row.get("id", "")
                dst.write(json.dumps(row, ensure_ascii=False) + "\n")
                written += 1
    print(f"{out_dir}: {written} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
