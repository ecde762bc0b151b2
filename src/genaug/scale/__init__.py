"""Past one machine: experiment runs and store sampling in a process pool or on Ray.

Nothing here imports Ray until a Ray backend runs (``pip install 'genaug[ray]'``).

- Experiments: :class:`LocalExecutor`, :class:`ProcessExecutor`, :class:`RayExecutor` for
  :func:`genaug.experiment.runner.run` / ``run_to_folder(..., executor=...)``
  (``genaug run SPEC --jobs N`` / ``--backend ray``).
- Generation: :func:`sample_to_store` (``genaug synth sample ... --backend ray --workers N``),
  :class:`RayShardPool`.
- Reading: :class:`StoreIterableDataset` (PyTorch, no Ray) and :func:`store_to_ray_dataset`.
"""

from __future__ import annotations

from genaug.scale.executors import BACKENDS, LocalExecutor, ProcessExecutor, RayExecutor, make_executor
from genaug.scale.generation import RayShardPool, model_generator_info, sample_to_store
from genaug.scale.reading import StoreIterableDataset, store_to_ray_dataset

__all__ = [
    "BACKENDS", "LocalExecutor", "ProcessExecutor", "RayExecutor", "RayShardPool", "StoreIterableDataset",
    "make_executor", "model_generator_info", "sample_to_store", "store_to_ray_dataset",
]
