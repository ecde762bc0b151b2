"""The search engine ``auto`` uses: grid or TPE (optuna) over a categorical space, deduplicated.

The engine knows nothing about augmentation: it proposes configs (dicts of one choice per
axis) and passes each to ``evaluate``, which returns ``(score, is_new)``; repeated
suggestions are the caller's cache hits and do not count against the budget.

Example:
    >>> seen = []
    >>> def evaluate(config):
    ...     seen.append(config)
    ...     return float(config["a"]), True
    >>> run_search({"a": [1, 2]}, evaluate, search="grid", n_trials=2, seed=0)
    >>> seen
    [{'a': 1}, {'a': 2}]
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Callable, Iterator
from typing import Any, Literal

__all__ = ["MAX_ASKS_PER_TRIAL", "Search", "grid_size", "run_search"]

Search = Literal["optuna", "grid"]
MAX_ASKS_PER_TRIAL = 20


def grid_size(space: dict[str, list[Any]]) -> int:
    """Number of distinct configs in ``space``."""
    return math.prod(len(v) for v in space.values())


def run_search(space: dict[str, list[Any]], evaluate: Callable[[dict[str, Any]], tuple[float, bool]], *,
               search: Search, n_trials: int, seed: int) -> None:
    """Evaluate up to ``n_trials`` distinct configs of ``space``.

    Args:
        space: axis name -> the choices (an empty dict: nothing to search).
        evaluate: ``config -> (score to maximise, whether the config was new)``.
        search: ``"grid"`` (every combination, in order; the grid must fit in ``n_trials``) or
            ``"optuna"`` (TPE seeded with ``seed``).
        n_trials: the budget of distinct configs.
        seed: seed of the TPE sampler.

    Raises:
        ValueError: a grid larger than ``n_trials``.
    """
    if not space:
        return
    size = grid_size(space)
    if search == "grid":
        if size > n_trials:
            raise ValueError(
                f"n_trials={n_trials} is smaller than the grid of {size} generative candidates "
                f"({', '.join(f'{k}: {len(v)}' for k, v in space.items())}); raise n_trials, "
                "shrink the lists or use search='optuna'"
            )
        for values in itertools.product(*space.values()):
            evaluate(dict(zip(space, values, strict=True)))
        return
    _run_optuna(space, evaluate, min(n_trials, size), seed)


def _run_optuna(space: dict[str, list[Any]], evaluate: Callable[[dict[str, Any]], tuple[float, bool]],
                n_distinct: int, seed: int) -> None:
    optuna = _import_optuna()
    sampler = optuna.samplers.TPESampler(seed=seed % 2**32)
    with _quiet_optuna(optuna):
        study = optuna.create_study(direction="maximize", sampler=sampler)
        distinct = 0
        for _ in range(MAX_ASKS_PER_TRIAL * n_distinct):
            if distinct >= n_distinct:
                break
            trial = study.ask()
            config = {key: trial.suggest_categorical(key, choices) for key, choices in space.items()}
            score, new = evaluate(config)
            distinct += bool(new)
            study.tell(trial, score)


def _import_optuna() -> Any:
    try:
        import optuna
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the auto strategy with search='optuna' needs optuna; install it with `pip install optuna` "
            "or use search='grid'"
        ) from None
    return optuna


@contextlib.contextmanager
def _quiet_optuna(optuna: Any) -> Iterator[None]:
    """Silence optuna's INFO logging for the block, then restore its verbosity."""
    previous = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(previous)
