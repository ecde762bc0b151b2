"""The text demo spec and the example spec build, and name registered text components."""

from __future__ import annotations

from pathlib import Path

from genaug import registry
from genaug.experiment.spec import ExperimentSpec
from genaug.experiment.text_demo import text_demo_spec
from genaug.limits import load_spec_yaml

ROOT = Path(__file__).resolve().parents[2]


def test_text_demo_spec_uses_text_components():
    spec = text_demo_spec(3, n_seeds=2)
    assert list(spec.seeds) == [3, 4] and spec.dataset.name == "fortunes"
    assert spec.model.name in registry.available("model")


def test_example_text_topics_spec_builds():
    data = load_spec_yaml(ROOT / "examples" / "text_topics.yaml")
    spec = ExperimentSpec.from_dict(data)
    assert spec.dataset.name == "fortunes" and len(spec.strategies) >= 7
