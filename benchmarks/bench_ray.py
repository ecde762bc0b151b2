"""Sampling a store locally vs on Ray (1 and 2 workers), and 1,000,000 samples streamed into a store.

A cVAE (default architecture, a short fit: training length does not change sampling cost) is
fitted on scikit-learn digits and saved; each case then runs in a fresh child process, while
this process samples the resident memory of the child's whole process tree (the child, and
for Ray its GCS, raylet and worker processes) every 0.1 s:

- ``local``: ``sample_to_store(..., backend="local")``, ``--n-per-class`` samples per class;
- ``ray1`` / ``ray2``: the same store through a Ray actor pool of 1 / 2 workers on a local Ray
  instance with 2 CPUs (``ray.init`` is timed apart from the sampling, which includes starting
  the actors); the store is checked byte-identical to the local one;
- ``bare``: the bare sampling loop over the same shard plan and per-shard generators, with the
  samples thrown away (what the store's overhead is measured against);
- ``stream``: the local store written with ``--stream-n-per-class`` samples per class (default
  100,000 x 10 classes = 1,000,000 samples), next to ``bare`` with the same count.

Reported: wall seconds and samples/s, the child's CPU seconds (its own process only: the Ray
workers' CPU is not in it), the child's peak RSS (``VmHWM``) and the peak of the summed
RSS over its process tree (shared pages counted once per process, so an upper bound).

Usage:
    .venv/bin/python benchmarks/bench_ray.py                          # all cases
    .venv/bin/python benchmarks/bench_ray.py --cases local,ray1,ray2 --n-per-class 10000
    .venv/bin/python benchmarks/bench_ray.py --cases bare,stream --stream-n-per-class 100000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any


def _tree_rss_mb(root: int) -> float:
    """Summed VmRSS (MiB) of ``root`` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(name))
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) / 1024.0
        except OSError:
            pass
    return total


def _store_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.iterdir()):
        if path.name == "manifest.json" or path.name.startswith("shard-"):
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


# ----- child side ----------------------------------------------------------------------------------
def _own_peak_rss_mb() -> float:
    """This process's peak RSS since exec (VmHWM; ru_maxrss would carry the forking parent's)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def _child(case: str, model: Path, out: Path, n_per_class: int, shard_size: int, seed: int) -> dict[str, Any]:
    import torch

    torch.set_num_threads(1)
    from genaug.scale.generation import sample_to_store

    result: dict[str, Any] = {"case": case}
    if case in ("ray1", "ray2"):
        from genaug.scale.cluster import connect

        start = time.perf_counter()
        connect(num_cpus=2)
        result["ray_init_s"] = time.perf_counter() - start
    wall, cpu = time.perf_counter(), time.process_time()
    if case == "bare":
        from genaug.data.store import plan_shards
        from genaug.rng import as_generator, derive_seed
        from genaug.synth import load_synthesizer

        synth = load_synthesizer(model)
        rows = 0
        totals = dict.fromkeys(range(len(synth.class_names_)), n_per_class)
        for index, request in enumerate(plan_shards(totals, shard_size)):
            rows += len(synth.sample(request, generator=as_generator(derive_seed(seed, "shard", index))))
    else:
        backend = "local" if case in ("local", "stream") else "ray"
        workers = {"ray1": 1, "ray2": 2}.get(case)
        manifest = sample_to_store(model, out, n_per_class, seed=seed, shard_size=shard_size, backend=backend,
                                   workers=workers)
        rows = manifest["num_rows"]
        result["store_digest"] = _store_digest(out)
    result.update(
        samples=rows, wall_s=time.perf_counter() - wall, cpu_s=time.process_time() - cpu,
        child_peak_rss_mb=_own_peak_rss_mb(),
    )
    result["samples_per_s"] = rows / result["wall_s"]
    return result


# ----- parent side ---------------------------------------------------------------------------------
def _fit_model(path: Path, steps: int) -> None:
    import torch

    torch.set_num_threads(1)
    from genaug.data import load_dataset, split
    from genaug.synth.cvae import CVAE

    parts = split(load_dataset("digits"), labeled_per_class=20, val_per_class=5, test_fraction=0.3, seed=0)
    CVAE(steps=steps).fit(parts.labeled, generator=0).save(path)


def _run_case(case: str, args: argparse.Namespace, model: Path, work: Path) -> dict[str, Any]:
    n = args.stream_n_per_class if case in ("stream", "bare") else args.n_per_class
    out = work / f"store-{case}"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, __file__, "--child", case, "--model", str(model), "--out", str(out),
           "--n-per-class", str(n), "--shard-size", str(args.shard_size), "--seed", str(args.seed)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    peak = [0.0]
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _tree_rss_mb(proc.pid))
            stop.wait(0.1)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    stdout, _ = proc.communicate()
    stop.set()
    thread.join()
    if proc.returncode != 0:
        raise SystemExit(f"case {case} failed (exit {proc.returncode})")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["tree_peak_rss_mb"] = peak[0]
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", default="local,ray1,ray2,bare,stream")
    parser.add_argument("--n-per-class", type=int, default=10_000, help="local / ray cases (10 classes)")
    parser.add_argument("--stream-n-per-class", type=int, default=100_000, help="bare / stream cases")
    parser.add_argument("--shard-size", type=int, default=1024)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fit-steps", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the stores (in the temp folder)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--model", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = _child(args.child, args.model, args.out, args.n_per_class, args.shard_size, args.seed)
        print(json.dumps(result))
        return
    work = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    try:
        model = work / "cvae"
        _fit_model(model, args.fit_steps)
        results = []
        for case in args.cases.split(","):
            result = _run_case(case.strip(), args, model, work)
            results.append(result)
            print(json.dumps(result), flush=True)
        digests = {r["case"]: r["store_digest"] for r in results if r["case"] in ("local", "ray1", "ray2")}
        if len(digests) > 1:
            print(f"stores byte-identical across {sorted(digests)}: {len(set(digests.values())) == 1}")
        by = {r["case"]: r for r in results}
        print(f"{'case':8} {'samples':>9} {'wall s':>8} {'samples/s':>10} {'cpu s':>8} {'child MB':>9} "
              f"{'tree MB':>8}")
        for r in results:
            print(f"{r['case']:8} {r['samples']:>9} {r['wall_s']:>8.1f} {r['samples_per_s']:>10.0f} "
                  f"{r['cpu_s']:>8.1f} {r['child_peak_rss_mb']:>9.0f} {r['tree_peak_rss_mb']:>8.0f}"
                  + (f"   (ray.init {r['ray_init_s']:.1f} s)" if "ray_init_s" in r else ""))
        if "bare" in by and "stream" in by:
            b, s = by["bare"], by["stream"]
            print(f"store overhead over the bare loop: wall {s['wall_s'] / b['wall_s'] - 1:+.1%}, "
                  f"CPU {s['cpu_s'] / b['cpu_s'] - 1:+.1%}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
