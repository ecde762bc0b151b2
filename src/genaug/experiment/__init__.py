"""Experiments: YAML spec -> strategies x seeds x sizes -> results.json -> report.html."""

from genaug.experiment import pool as _pool  # noqa: F401  (registers fixmatch, uda, pretrain, dpt)
from genaug.experiment import strategies as _strategies  # noqa: F401  (registers strategies)
from genaug.experiment import tabular as _tabular  # noqa: F401  (registers tabular strategies)
from genaug.experiment.auto import AutoStrategy
from genaug.experiment.generative import GenerativeAugmentation, GenerativeClassicalAugmentation
from genaug.experiment.report import render_report, write_report
from genaug.experiment.results import Results, RunRecord
from genaug.experiment.runner import run, run_to_folder
from genaug.experiment.spec import ExperimentSpec, SpecError
from genaug.experiment.stats import MeanCI, PairedDiff, mean_ci, paired_diff
from genaug.experiment.strategies import ClassicalAugmentation, NoAugmentation, Strategy, TrainingPlan

__all__ = [
    "AutoStrategy", "ClassicalAugmentation", "ExperimentSpec", "GenerativeAugmentation",
    "GenerativeClassicalAugmentation", "MeanCI", "NoAugmentation", "PairedDiff", "Results",
    "RunRecord", "SpecError", "Strategy", "TrainingPlan", "mean_ci", "paired_diff", "render_report",
    "run", "run_to_folder", "write_report",
]
