"""``genaug synth``: fit a synthesizer, sample it into a store, inspect its samples.

A thin typer layer over :mod:`genaug.synth`, :class:`genaug.data.store.SyntheticStore` and
:mod:`genaug.quality`::

    genaug synth fit digits --synthesizer diffusion --set steps=2000 --labeled-per-class 10 --out m/
    genaug synth sample m/ --n-per-class 500 --seed 0 --out store/
    genaug synth inspect m/ --store store/ --out inspect/

``fit`` writes the model folder (``config.json`` + ``weights.safetensors``) and ``fit.json``
(the data, split and options used), which ``inspect`` reads to rebuild the same real data.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from genaug.cli_errors import cli_errors
from genaug.errors import GenaugError, MissingPathError, ModelFileError

synth_app = typer.Typer(
    name="synth",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Fit generative models, sample them into a store, inspect the samples.",
)
console = Console()

FIT_INFO = "fit.json"
ModelDirOption = Annotated[
    Path | None,
    typer.Option("--model-dir", help="For pretrained_diffusion: the diffusers pipeline folder you trust "
                 "(never taken from the saved config)."),
]
MODEL_FILES = ("config.json", "weights.safetensors", FIT_INFO)
INSPECT_FILES = ("metrics.json", "grid.png")
_FIT_KEYS = ("data", "labeled_per_class", "val_per_class", "test_fraction", "split_seed", "synthesizer")


def parse_options(pairs: list[str] | None) -> dict[str, Any]:
    """``["steps=10", "channel_mults=[1, 2]"]`` -> ``{"steps": 10, "channel_mults": [1, 2]}`` (YAML values).

    Raises:
        GenaugError: an item without ``=``, or a value that is not valid YAML (names ``--set``).
        LimitError: a value over the spec limits (an alias bomb, deep nesting).
    """
    from genaug.limits import load_yaml_value, short_repr

    options: dict[str, Any] = {}
    for item in pairs or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise GenaugError(f"expects KEY=VALUE; got {short_repr(item)}", argument="--set",
                              accepted="KEY=VALUE with a YAML value, e.g. --set steps=100")
        options[key.strip()] = load_yaml_value(value, argument=f"--set {key.strip()}")
    return options


def load_data(source: str) -> Any:
    """A built-in dataset name, or the path of an ``.npz`` archive (``x``, ``y``)."""
    from genaug.data import load_dataset, read_npz

    if source.endswith(".npz") or Path(source).is_file():
        if not Path(source).is_file():
            raise MissingPathError("does not exist" if not Path(source).exists() else "is not a file",
                                   path=source, accepted="an .npz file with arrays x and y")
        return read_npz(source)
    return load_dataset(source)


def split_data(info: dict[str, Any]) -> Any:
    """The :class:`genaug.data.Split` described by a ``fit.json``."""
    from genaug.data import split

    if not isinstance(info.get("data"), str):
        raise GenaugError("the data source must be a dataset name or an .npz path", argument="data")
    return split(
        load_data(info["data"]),
        labeled_per_class=info["labeled_per_class"],
        val_per_class=info["val_per_class"],
        test_fraction=info["test_fraction"],
        seed=info["split_seed"],
    )


def read_fit_info(model: Path) -> dict[str, Any]:
    """The ``fit.json`` of a model folder written by ``genaug synth fit``, checked.

    Raises:
        MissingPathError: no ``fit.json`` in ``model``.
        ModelFileError: not a JSON object with the keys ``fit`` writes (names the file).
    """
    from genaug.serialization import read_config

    path = model / FIT_INFO
    if not path.is_file():
        raise MissingPathError(
            "does not exist", path=path,
            accepted="a model folder written by `genaug synth fit` (it writes fit.json)",
        )
    info = read_config(path)
    missing = [k for k in _FIT_KEYS if k not in info]
    if missing:
        raise ModelFileError(f"lacks the key(s) {missing}", path=path,
                             accepted=f"the fit.json written by `genaug synth fit` (keys {list(_FIT_KEYS)})")
    return info


@synth_app.command("fit")
@cli_errors
def fit_cmd(
    data: Annotated[
        str, typer.Argument(help="Built-in dataset name (see `genaug datasets`) or a .npz file.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to save the fitted model in.")],
    synthesizer: Annotated[
        str, typer.Option("--synthesizer", "-s", help="Registry name, e.g. diffusion.")
    ] = ("diffusion"),
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Synthesizer option KEY=VALUE (YAML value); repeatable.")
    ] = None,
    labeled_per_class: Annotated[
        int | None, typer.Option(help="Labeled samples per class (default: every training sample).")
    ] = None,
    val_per_class: Annotated[int, typer.Option(help="Validation samples per class held out.")] = 10,
    test_fraction: Annotated[float, typer.Option(help="Share of each class held out for testing.")] = 0.3,
    split_seed: Annotated[int, typer.Option(help="Seed of the split.")] = 0,
    use_pool: Annotated[
        bool, typer.Option("--use-pool/--no-pool", help="Also fit on the unlabeled rest (labels hidden).")
    ] = True,
    seed: Annotated[int, typer.Option(help="Seed of the fit.")] = 0,
    progress: Annotated[bool, typer.Option(help="Show a progress bar (if the synthesizer has one).")] = True,
) -> None:
    """Fit SYNTHESIZER on DATA's labeled split (+ the unlabeled pool) and save it to --out."""
    from genaug import registry
    from genaug.outputs import atomic_output_dir, check_output_dir
    from genaug.serialization import atomic_write_json

    out = check_output_dir(out, argument="--out", files=MODEL_FILES)  # before the fit, not after it
    options = parse_options(set_)
    cls = registry.get("synthesizer", synthesizer)
    if progress and "progress" in _init_params(cls) and "progress" not in options:
        options["progress"] = True
    synth = cls(**options)
    info = {
        "data": data,
        "labeled_per_class": labeled_per_class,
        "val_per_class": val_per_class,
        "test_fraction": test_fraction,
        "split_seed": split_seed,
        "use_pool": use_pool,
        "seed": seed,
        "synthesizer": synthesizer,
        "options": options,
    }
    parts = split_data(info)
    pool = parts.unlabeled.x if use_pool and len(parts.unlabeled) else None
    start = time.perf_counter()
    synth.fit(parts.labeled, unlabeled=pool, generator=seed)
    info["seconds_fit"] = time.perf_counter() - start
    info["n_labeled"] = len(parts.labeled)
    info["n_unlabeled"] = 0 if pool is None else len(pool)
    with atomic_output_dir(out, argument="--out") as tmp:  # the folder appears whole or not at all
        synth.save(tmp)
        atomic_write_json(tmp / FIT_INFO, info)
    console.print(
        f"fitted {synthesizer} on {info['n_labeled']} labeled + {info['n_unlabeled']} unlabeled samples "
        f"in {info['seconds_fit']:.1f} s -> {out}"
    )


def _load_args(model_dir: Path | None) -> dict[str, Any]:
    """``model_dir=`` only when given (other synthesizers take no such argument)."""
    return {} if model_dir is None else {"model_dir": str(model_dir)}


def _init_params(cls: Any) -> set[str]:
    import inspect

    return set(inspect.signature(cls.__init__).parameters)


@synth_app.command("sample")
@cli_errors
def sample_cmd(
    model: Annotated[Path, typer.Argument(help="A folder written by `genaug synth fit` (or save()).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Store folder (Parquet shards + manifest.json).")],
    n_per_class: Annotated[int, typer.Option(help="Samples per class.")] = 100,
    seed: Annotated[int, typer.Option(help="Base seed; shard i uses derive_seed(seed, 'shard', i).")] = 0,
    shard_size: Annotated[int, typer.Option(help="Samples per shard (bounds memory).")] = 1024,
    max_shards: Annotated[int | None, typer.Option(help="Stop after this many new shards.")] = None,
    model_dir: ModelDirOption = None,
    backend: Annotated[str, typer.Option(
        "--backend", help="local (sample here) or ray (a Ray actor pool samples, this process writes; "
        "pip install 'genaug[ray]'). The store is byte-identical either way.")] = "local",
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, help="Ray backend: actors (default: the cluster's CPUs).")] = None,
    address: Annotated[str | None, typer.Option(
        "--address", help="Ray backend: the cluster (`ray start --head` prints it; 'auto' finds one on "
        "this machine). Default: start a local Ray instance.")] = None,
) -> None:
    """Sample a fitted model into a resumable SyntheticStore; re-run with the same arguments to resume."""
    from genaug.data.store import MANIFEST_NAME
    from genaug.outputs import check_output_dir
    from genaug.scale.generation import sample_to_store

    out = check_output_dir(out, argument="--out", files=(MANIFEST_NAME,))  # before loading the model
    manifest = sample_to_store(  # Ray is imported only for --backend ray
        model, out, n_per_class, seed=seed, shard_size=shard_size, max_shards=max_shards,
        backend=backend, workers=workers, address=address, load_args=_load_args(model_dir),  # type: ignore[arg-type]
    )
    rows = sum(s.get("rows", 0) for s in manifest["shards"])
    done = len(manifest["shards"])
    state = "complete" if done == manifest["num_shards"] else "incomplete (re-run to resume)"
    console.print(f"{out}: {done}/{manifest['num_shards']} shards, {rows} samples, {state}")


@synth_app.command("inspect")
@cli_errors
def inspect_cmd(
    model: Annotated[Path, typer.Argument(help="A folder written by `genaug synth fit`.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for metrics.json and grid.png.")],
    store: Annotated[
        Path | None, typer.Option(help="Read the synthetic samples from this store (default: sample afresh).")
    ] = None,
    n_per_class: Annotated[int, typer.Option(help="Samples per class when sampling afresh.")] = 50,
    seed: Annotated[int, typer.Option(help="Seed when sampling afresh.")] = 0,
    metrics: Annotated[
        str, typer.Option(help="Comma-separated metric names (registry kind 'metric').")
    ] = "fid,kid,prdc,cas,label_fidelity,memorization,diversity",
    per_class_images: Annotated[int, typer.Option(help="Images per class and side in the grid.")] = 8,
    model_dir: ModelDirOption = None,
) -> None:
    """Quality metrics (synthetic vs the labeled real data; FID also vs the test split) + a PNG grid."""
    from genaug.data.store import SyntheticStore
    from genaug.outputs import atomic_output_dir, check_output_dir
    from genaug.quality import evaluate_quality
    from genaug.serialization import atomic_write_json
    from genaug.synth import load_synthesizer

    out = check_output_dir(out, argument="--out", files=INSPECT_FILES)
    info = read_fit_info(model)
    parts = split_data(info)
    if store is not None:
        synthetic = SyntheticStore(store).read()
    else:
        synthetic = load_synthesizer(model, **_load_args(model_dir)).sample(n_per_class, generator=seed)
    if tuple(synthetic.class_names) != tuple(parts.labeled.class_names):
        raise ValueError(
            f"the synthetic classes {list(synthetic.class_names)} differ from the data's "
            f"{list(parts.labeled.class_names)}"
        )
    names = [m.strip() for m in metrics.split(",") if m.strip()]
    results = evaluate_quality(parts.labeled, synthetic, names)
    if "fid" in names:
        results["fid_test"] = evaluate_quality(parts.test, synthetic, ["fid"])["fid"]
    results = {k: float(v) for k, v in results.items()}
    report = {
        "model": str(model),
        "store": None if store is None else str(store),
        "n_synthetic": len(synthetic),
        "metrics": results,
    }
    with atomic_output_dir(out, argument="--out") as tmp:  # both files or neither
        atomic_write_json(tmp / INSPECT_FILES[0], report)
        save_grid(parts.labeled, synthetic, tmp / INSPECT_FILES[1], per_class=per_class_images)
    table = Table(title=f"{info['synthesizer']}: {len(synthetic)} synthetic vs {len(parts.labeled)} real")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in results.items():
        table.add_row(key, f"{value:.4g}")
    console.print(table, width=None if console.is_terminal else 100)
    console.print(f"metrics: {out / 'metrics.json'}")
    console.print(f"grid:    {out / 'grid.png'}")


def save_grid(real: Any, synthetic: Any, path: Path, *, per_class: int = 8) -> Path:
    """A PNG with one row per class: real samples on the left, synthetic on the right.

    Images are drawn as pictures (first 3 channels); signals as line plots of channel 0.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from genaug.modalities import get_modality

    k = len(real.class_names)
    is_image = get_modality(real.modality).spatial_dims == 2
    cols = 2 * per_class + 1 if is_image else 2
    fig, axes = plt.subplots(
        k,
        cols,
        figsize=(0.6 * cols + 1 if is_image else 8, 0.7 * k + 0.6 if is_image else 1.2 * k + 0.6),
        squeeze=False,
    )
    for c in range(k):
        groups = [real.x[real.y == c][:per_class], synthetic.x[synthetic.y == c][:per_class]]
        if is_image:
            for side, group in enumerate(groups):
                for j in range(per_class):
                    ax = axes[c, j + side * (per_class + 1)]
                    ax.axis("off")
                    if j < len(group):
                        img = group[j][:3].permute(1, 2, 0).numpy()
                        ax.imshow(img[..., 0] if img.shape[-1] == 1 else img, cmap="gray", vmin=0, vmax=1)
            axes[c, per_class].axis("off")
            axes[c, 0].set_title(real.class_names[c], fontsize=7, loc="left")
        else:
            for side, group in enumerate(groups):
                ax = axes[c, side]
                for sig in group:
                    ax.plot(np.asarray(sig[0]), lw=0.8, alpha=0.7)
                ax.set_xticks([])
                ax.set_yticks([])
                ax.set_title(f"{real.class_names[c]}: {'real' if side == 0 else 'synthetic'}", fontsize=7)
    fig.suptitle("real (left) | synthetic (right)", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
