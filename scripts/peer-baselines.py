#!/usr/bin/env python3
"""Score the shared abuse datasets with the two offline peers the product is compared
with, so raqib's leave-one-dataset-out numbers can be read against theirs.

    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install alt-profanity-check arabic-toxic
    /tmp/peers/bin/python scripts/peer-baselines.py [--datasets ../shared/datasets] [ar|en ...]

Arabic sets are scored with `arabic-toxic` (score = 1 − P(NOT); decision = its own
tuned per-label thresholds, as `classify` does), English sets with `alt-profanity-check`
(score = `predict_prob`, decision at 0.5). Every row with an abuse label is used, so the
numbers are comparable with raqib's "train without the set, test on all its rows" table
in `models/README.md`. The peers were trained on data of their own; where that data
overlaps a shared set (alt-profanity-check learnt from Davidson and Jigsaw comments)
the row flatters the peer. One JSON object per dataset goes to standard output.

arabic-toxic was pickled with scikit-learn 1.8.0 and alt-profanity-check with 1.7.2,
so one of them always loads under the other version; scikit-learn's warning about it
is silenced here. The Arabic numbers were the same under 1.7.2 and 1.8.0.
"""

import argparse
import json
import sys
import warnings

import numpy as np
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

ARABIC = [
    "mubarak2017_aljazeera",
    "alakrot2018_youtube",
    "osact2022",
    "osact2020",
    "lhsab",
    "thsab",
    "mubarak2017_tweets",
]
ENGLISH = [
    "hasoc2019_en",
    "kaggle_insults",
    "fox_news_comments",
    "convabuse",
    "ethos",
    "gibert2018_stormfront",
    "jigsaw_toxic_sample",
    "davidson2017",
]


def labelled(root, name):
    rows = []
    with open(f"{root}/{name}/all.jsonl", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row.get("abuse") is not None:
                rows.append(row)
    return rows


def report(peer, name, labels, scores, decisions):
    y = np.asarray(labels)
    decided = np.asarray(decisions)
    print(
        json.dumps(
            {
                "peer": peer,
                "dataset": name,
                "n": int(len(y)),
                "positives": int(y.sum()),
                "precision": round(float(precision_score(y, decided)), 3),
                "recall": round(float(recall_score(y, decided)), 3),
                "f1": round(float(f1_score(y, decided)), 3),
                "macro_f1": round(float(f1_score(y, decided, average="macro")), 3),
                "roc_auc": round(float(roc_auc_score(y, scores)), 3),
            }
        ),
        flush=True,
    )


def arabic(root):
    import arabic_toxic.classifier as peer

    bundle = peer._load_bundle()
    pipeline, names = bundle["pipeline"], list(bundle["labels"])
    thresholds = np.asarray(bundle["thresholds"], dtype=float)
    clean = names.index("NOT")
    toxic = [j for j in range(len(names)) if j != clean]
    for name in ARABIC:
        rows = labelled(root, name)
        proba = pipeline.predict_proba([peer.normalize_arabic(r["text"]) for r in rows])
        # `classify` calls a text toxic when any label other than NOT passes its threshold.
        decided = (proba[:, toxic] >= thresholds[toxic]).any(axis=1).astype(int)
        report("arabic-toxic", name, [int(r["abuse"]) for r in rows], 1.0 - proba[:, clean], decided)


def english(root):
    from profanity_check import predict_prob

    for name in ENGLISH:
        rows = labelled(root, name)
        scores = predict_prob([r["text"] for r in rows])
        report(
            "alt-profanity-check",
            name,
            [int(r["abuse"]) for r in rows],
            scores,
            (scores >= 0.5).astype(int),
        )


def main():
    warnings.filterwarnings("ignore", message="Trying to unpickle estimator")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("langs", nargs="*", default=["ar", "en"], choices=["ar", "en"])
    parser.add_argument("--datasets", default="../shared/datasets")
    args = parser.parse_args()
    for lang in args.langs:
        (arabic if lang == "ar" else english)(args.datasets)


if __name__ == "__main__":
    sys.exit(main())
