"""Few-label text with an unlabeled pool: which semi-supervised route works on MiniLM embeddings?

On fortunes topics (8 classes, 10 labels + 10 validation texts per class, 30 % test, the rest an
unlabeled pool), every text is embedded once by all-MiniLM-L6-v2 (``MiniLMFeatures``), then, per
seed, in the same run:

* ``lr``: logistic regression on the labeled embeddings (C = 1; ``minilm_logreg`` without val);
* ``selftrain_w{0.25,0.5,1}``: one round of self-training: the LR labels the whole pool, and an LR
  is refit on labeled + pool with the pool at that loss weight (``pseudo_label`` with
  ``repeat: false`` and ``mix_weighted``);
* ``top{10,30,100}``: the same with only the ``n`` most confident pool texts per class (the
  class-balanced ``pseudo_label`` default, ``repeat: true``);
* ``head``: a linear head trained by Adam on the labeled embeddings (the reference for the next
  two); ``fixmatch_t{0,0.7}``: the same head plus FixMatch's unlabeled loss
  (:func:`genaug.train.semi.consistency_loss`, reused), the weak view a pool text's embedding,
  the strong view the embedding of its EDA copy (one copy per text, embedded once);
  ``uda_soft``: UDA's sharpened soft targets (temperature 0.4).

Paired differences against ``lr`` over the seeds, test accuracy in points.

    GENAUG_EMBED_CACHE=/tmp/emb .venv/bin/python benchmarks/bench_text_semi.py --seeds 5
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--labels", type=int, default=10, help="labeled texts per class")
    parser.add_argument("--out", default=None, help="write the per-seed accuracies here (JSON)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    from sklearn.linear_model import LogisticRegression

    from genaug.data import load_dataset
    from genaug.data.splits import split
    from genaug.ops import build_augmenter
    from genaug.quality.text import MiniLMFeatures
    from genaug.train.semi import consistency_loss

    start = time.process_time()
    data = load_dataset("fortunes")
    emb = MiniLMFeatures()(list(data.x))
    eda = build_augmenter({"name": "eda", "alpha_sr": 0.1, "alpha_ri": 0.1, "alpha_rs": 0.1, "p_rd": 0.1})
    strong = MiniLMFeatures()(eda(list(data.x), generator=0))
    embed_cpu = time.process_time() - start
    k = data.num_classes

    def lr(x, y, w=None):
        return LogisticRegression(C=1.0, max_iter=3000).fit(x, y, sample_weight=w)

    def head(li, yl, ui, *, unlabeled: bool, soft: bool = False, threshold: float = 0.0, seed: int = 0):
        g = torch.Generator().manual_seed(seed)
        w = torch.zeros(emb.shape[1], k, requires_grad=True)
        b = torch.zeros(k, requires_grad=True)
        opt = torch.optim.Adam([w, b], lr=0.05)
        xl, yl_t = torch.tensor(emb[li], dtype=torch.float32), torch.tensor(yl)
        xw, xs = torch.tensor(emb[ui], dtype=torch.float32), torch.tensor(strong[ui], dtype=torch.float32)
        for _ in range(400):
            loss = torch.nn.functional.cross_entropy(xl @ w * 10 + b, yl_t) + 1e-3 * (w ** 2).sum()
            if unlabeled:
                j = torch.randint(len(ui), (7 * len(li) // 10 * 8,), generator=g)
                un, _ = consistency_loss(xw[j] @ w * 10 + b, xs[j] @ w * 10 + b, threshold=threshold,
                                         soft=soft, temperature=0.4)
                loss = loss + un
            opt.zero_grad()
            loss.backward()
            opt.step()
        return lambda x: (torch.tensor(x, dtype=torch.float32) @ w * 10 + b).argmax(1).numpy()

    rows: dict[str, list[float]] = {}
    for seed in range(args.seeds):
        s = split(data, labeled_per_class=args.labels, val_per_class=10, test_fraction=0.3, seed=seed)
        li, ti, ui = (np.asarray(getattr(s, p).meta["index"]) for p in ("labeled", "test", "unlabeled"))
        yl, yt = s.labeled.y, s.test.y

        def acc(pred, yt=yt):
            return float((pred == yt).mean() * 100)

        base = lr(emb[li], yl)
        res = {"lr": acc(base.predict(emb[ti]))}
        proba = base.predict_proba(emb[ui])
        pred, conf = proba.argmax(1), proba.max(1)
        for wt in (0.25, 0.5, 1.0):
            m = lr(np.r_[emb[li], emb[ui]], np.r_[yl, pred], np.r_[np.ones(len(li)), np.full(len(ui), wt)])
            res[f"selftrain_w{wt}"] = acc(m.predict(emb[ti]))
        for n in (10, 30, 100):
            sel = np.concatenate([np.flatnonzero(pred == c)[np.argsort(-conf[pred == c])][:n]
                                  for c in range(k)])
            m = lr(np.r_[emb[li], emb[ui][sel]], np.r_[yl, pred[sel]])
            res[f"top{n}"] = acc(m.predict(emb[ti]))
        res["head"] = acc(head(li, yl, ui, unlabeled=False, seed=seed)(emb[ti]))
        res["fixmatch_t0"] = acc(head(li, yl, ui, unlabeled=True, seed=seed)(emb[ti]))
        res["fixmatch_t0.7"] = acc(head(li, yl, ui, unlabeled=True, threshold=0.7, seed=seed)(emb[ti]))
        res["uda_soft"] = acc(head(li, yl, ui, unlabeled=True, soft=True, seed=seed)(emb[ti]))
        for key, v in res.items():
            rows.setdefault(key, []).append(v)
        print(f"seed {seed}: " + ", ".join(f"{key} {v:.2f}" for key, v in res.items()), flush=True)
    ref = np.asarray(rows["lr"])
    print(f"\n{args.labels} labels per class, {args.seeds} seeds; embedding CPU {embed_cpu:.0f} s, "
          f"total CPU {time.process_time() - start:.0f} s")
    print("| method | test acc % | vs lr, points [95% t-CI] |\n|---|---|---|")
    from scipy import stats

    for key, v in rows.items():
        d = np.asarray(v) - ref
        half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else np.nan
        lo, hi = d.mean() - half, d.mean() + half
        print(f"| {key} | {np.mean(v):.2f} | {d.mean():+.2f} [{lo:+.2f}, {hi:+.2f}] |")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
