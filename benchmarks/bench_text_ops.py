"""EDA throughput: genaug's batched text ops against nlpaug on the same sentences, same run.

nlpaug (MIT) is a benchmark-only dependency (``pip install 'genaug[bench]'``). Its WordNet
synonyms need NLTK's WordNet corpus, which NLTK would download; here it is built offline from
Debian's ``wordnet-base`` files in a temporary ``nltk_data`` folder (files copied, a ``lexnames``
file written), as DATA.md describes. Both libraries are timed on the same fortunes texts, each
op with one augmented copy per text; genaug calls each op once on the whole batch, nlpaug calls
``augment(list)``.

    .venv/bin/python benchmarks/bench_text_ops.py --n 2000 --out /tmp/bench_text_ops.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

_LEXNAMES = str.split(
    "adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute noun.body "
    "noun.cognition noun.communication noun.event noun.feeling noun.food noun.group noun.location "
    "noun.motive noun.object noun.person noun.phenomenon noun.plant noun.possession noun.process "
    "noun.quantity noun.relation noun.shape noun.state noun.substance noun.time verb.body verb.change "
    "verb.cognition verb.communication verb.competition verb.consumption verb.contact verb.creation "
    "verb.emotion verb.motion verb.perception verb.possession verb.social verb.stative verb.weather adj.ppl"
)


def nltk_wordnet_dir(src: Path = Path("/usr/share/wordnet")) -> Path:
    """An nltk_data folder holding WordNet 3.0 copied from Debian's files (no download)."""
    root = Path(tempfile.mkdtemp(prefix="nltk_data_"))
    dest = root / "corpora" / "wordnet"
    dest.mkdir(parents=True)
    for f in src.iterdir():
        if f.is_file():
            shutil.copyfile(f, dest / f.name)
    (dest / "lexnames").write_text("".join(f"{i:02d}\t{n}\t{i // 100}\n" for i, n in enumerate(_LEXNAMES)))
    return root


def _time(fn, *args) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="texts (fortunes, first N)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    from genaug.data import load_dataset
    from genaug.ops.text import CharNoise, RandomDelete, RandomSwap, SynonymReplace
    from genaug.ops.text_lexicon import wordnet

    texts = [" ".join(t.split()) for t in load_dataset("fortunes").x[: args.n]]
    t_load, _ = _time(wordnet)
    ours = {
        "synonym_replace": SynonymReplace(alpha=0.1),
        "random_swap": RandomSwap(alpha=0.1),
        "random_delete": RandomDelete(alpha=0.1),
        "keyboard": CharNoise(rate=0.03, kinds=["keyboard"]),
    }
    results: dict[str, dict[str, float]] = {}
    for name, aug in ours.items():
        sec, out = _time(lambda a=aug: a(texts, generator=0))
        results[name] = {"genaug_s": sec, "genaug_texts_per_s": len(texts) / sec}
    try:
        import nlpaug.augmenter.char as nac
        import nlpaug.augmenter.word as naw
        import nltk

        nltk.data.path.insert(0, str(nltk_wordnet_dir()))
        theirs = {
            "synonym_replace": naw.SynonymAug(aug_src="wordnet", aug_p=0.1),
            "random_swap": naw.RandomWordAug(action="swap", aug_p=0.1),
            "random_delete": naw.RandomWordAug(action="delete", aug_p=0.1),
            "keyboard": nac.KeyboardAug(aug_char_p=0.03),
        }
        for name, aug in theirs.items():
            try:
                sec, _ = _time(aug.augment, texts)
            except Exception as err:  # noqa: BLE001 - report what failed, keep the others
                results[name]["nlpaug_error"] = f"{type(err).__name__}: {err}"[:300]
                continue
            results[name].update(nlpaug_s=sec, nlpaug_texts_per_s=len(texts) / sec,
                                 speedup=sec / results[name]["genaug_s"])
    except ImportError as err:
        results["nlpaug"] = {"error": str(err)}
    report = {"n_texts": len(texts), "genaug_wordnet_load_s": t_load, "ops": results}
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
