"""``ExperimentSpec``: the YAML experiment description, validated with pydantic.

Unknown keys anywhere are an error that names the key and lists the allowed ones, and the
options of every named component (dataset, model, strategy) are checked against its signature.

Example YAML:
    name: digits-low-data
    dataset: {name: digits}
    split: {labeled_per_class: [10], val_per_class: 10, test_fraction: 0.3}
    model: {name: small_cnn, steps: 300}
    baselines: [{name: svm_rbf}]
    strategies:
      - {name: none}
      - {name: classical}
      - {name: classical, label: classical-strong, augment: {name: randaugment, num_ops: 2}}
      - {name: generative, synthesizer: cvae, sweep: {n_per_class: [25, 100]}}  # two strategies
    seeds: [0, 1, 2]
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from genaug import registry
from genaug.errors import SpecFileError
from genaug.limits import load_spec_yaml

SpecError = SpecFileError
"""An experiment spec that cannot be used; the message names the file (when there is one), the
key and the accepted values. The same class as :class:`genaug.errors.SpecFileError` (a
:class:`~genaug.errors.GenaugError`, so a ``ValueError``)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Component(BaseModel):
    """A registry entry by ``name`` plus its keyword options given inline."""

    model_config = ConfigDict(extra="allow", frozen=True)
    name: str

    @property
    def options(self) -> dict[str, Any]:
        """Keyword options for the component (everything but ``name``)."""
        return dict(self.model_extra or {})


class DatasetSpec(_Component):
    """``{name: digits, **options}``: a built-in dataset (``genaug datasets`` lists them)."""


class ModelSpec(_Component):
    """``{name: small_cnn, **options}``: a registered classifier and its constructor options."""


class StrategySpec(BaseModel):
    """``{name: classical, label: ..., **options}``: a registered strategy and its options."""

    model_config = ConfigDict(extra="allow", frozen=True)
    name: str
    label: str | None = None

    @property
    def options(self) -> dict[str, Any]:
        """Keyword options for the strategy (everything but ``name`` and ``label``)."""
        return dict(self.model_extra or {})

    @property
    def display_name(self) -> str:
        """The label used in tables and results (``label`` or ``name``)."""
        return self.label or self.name


#: The validation share of each class with ``labeled_per_class: all`` and no val setting.
DEFAULT_VAL_FRACTION = 0.2


class SplitSpec(_Strict):
    """How to draw the low-data split; ``labeled_per_class`` may list several sizes.

    ``labeled_per_class: all`` labels every row outside test and val, keeping the class
    imbalance (imbalanced tabular data); it cannot be mixed with sizes. ``val_fraction``, when
    set, takes a stratified share of each class for validation instead of ``val_per_class``
    rows; it is
    the default (:data:`DEFAULT_VAL_FRACTION`) with ``labeled_per_class: all`` when neither is
    given, so an imbalanced table's validation split keeps its class balance and has enough
    minority rows to tell candidates apart.
    """

    labeled_per_class: list[int | Literal["all"]] = Field(default_factory=lambda: [10])
    val_per_class: int = 10
    val_fraction: float | None = None
    test_fraction: float = 0.3
    use_original_split: bool = False

    @model_validator(mode="before")
    @classmethod
    def _default_val_fraction(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        all_labels = data.get("labeled_per_class") in ("all", ["all"])
        if all_labels and not {"val_per_class", "val_fraction"} & set(data):
            return {**data, "val_fraction": DEFAULT_VAL_FRACTION}
        return data

    @field_validator("val_fraction")
    @classmethod
    def _val_fraction(cls, v: float | None) -> float | None:
        if v is not None and not 0 < v < 1:
            raise ValueError(f"val_fraction must be in (0, 1); got {v}")
        return v

    @field_validator("labeled_per_class", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return [v] if isinstance(v, int | str) else v

    @field_validator("labeled_per_class")
    @classmethod
    def _positive(cls, v: list[int | str]) -> list[int | str]:
        if v == ["all"]:
            return v
        if not v or any(n == "all" or n < 1 for n in v):
            raise ValueError(
                f"labeled_per_class must be a non-empty list of ints >= 1, or 'all' alone; got {v}"
            )
        return v

    @field_validator("test_fraction")
    @classmethod
    def _fraction(cls, v: float) -> float:
        if not 0 < v < 1:
            raise ValueError(f"test_fraction must be in (0, 1); got {v}")
        return v


class EvaluationSpec(_Strict):
    """What to measure beyond accuracy, F1, NLL, ECE and the train-test gap.

    ``robustness`` evaluates every trained model on corrupted copies of (up to
    ``robustness_samples`` of) the test split: the modality's corruption suite, or the listed
    ``corruptions``, at each of ``severities`` (1..5). ``primary_metric`` is the metric the
    answer, comparisons, captions and plots are about (default: minority PR-AUC on two-class
    data, accuracy otherwise; ``pr_auc`` needs two classes).
    """

    robustness: bool = False
    primary_metric: Literal["accuracy", "macro_f1", "pr_auc"] | None = None
    corruptions: list[str] | None = None
    severities: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5])
    robustness_samples: int = 500

    @field_validator("severities")
    @classmethod
    def _levels(cls, v: list[int]) -> list[int]:
        if not v or any(not 1 <= s <= 5 for s in v):
            raise ValueError(f"severities must be a non-empty list of ints in 1..5; got {v}")
        return v

    @field_validator("robustness_samples")
    @classmethod
    def _samples(cls, v: int) -> int:
        if v < 1:
            raise ValueError(f"robustness_samples must be >= 1; got {v}")
        return v

    @field_validator("corruptions")
    @classmethod
    def _known(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        from genaug.train.corruptions import available_corruptions

        known = set(available_corruptions("image")) | set(available_corruptions("signal"))
        unknown = [c for c in v if c not in known]
        if unknown or not v:
            raise ValueError(f"unknown corruption(s) {unknown}; available: {sorted(known)}")
        return v


class ExperimentSpec(_Strict):
    """A whole experiment: dataset x split sizes x strategies x seeds, one classifier.

    ``baselines`` are extra models (by default an RBF SVM) trained on the labeled data without
    augmentation, so that every comparison includes a strong non-deep model.
    """

    name: str = "experiment"
    dataset: DatasetSpec
    split: SplitSpec = Field(default_factory=SplitSpec)
    model: ModelSpec = Field(default_factory=lambda: ModelSpec(name="small_cnn"))
    baselines: list[ModelSpec] = Field(default_factory=lambda: [ModelSpec(name="svm_rbf")])
    strategies: list[StrategySpec] = Field(
        default_factory=lambda: [StrategySpec(name="none"), StrategySpec(name="classical")]
    )
    seeds: list[int] = Field(default_factory=lambda: [0, 1, 2])
    evaluation: EvaluationSpec = Field(default_factory=EvaluationSpec)

    @field_validator("strategies", mode="before")
    @classmethod
    def _expand_sweeps(cls, v: Any) -> Any:
        if not isinstance(v, list):
            return v
        return [expanded for item in v for expanded in expand_sweep(item)]

    @field_validator("seeds", mode="before")
    @classmethod
    def _seeds(cls, v: Any) -> Any:
        return [v] if isinstance(v, int) else v

    @field_validator("seeds")
    @classmethod
    def _nonempty(cls, v: list[int]) -> list[int]:
        if not v:
            raise ValueError("seeds must list at least one seed")
        return v

    @model_validator(mode="after")
    def _components_exist(self) -> ExperimentSpec:
        _check_component("dataset", self.dataset.name, self.dataset.options, "dataset")
        _check_component("model", self.model.name, self.model.options, "model", build=True)
        for b in self.baselines:
            _check_component("model", b.name, b.options, "baselines", build=True)
        labels = [s.display_name for s in self.strategies]
        if not labels:
            raise ValueError("strategies must list at least one strategy")
        dupes = sorted({x for x in labels if labels.count(x) > 1})
        if dupes:
            raise ValueError(f"strategy labels must be unique; repeated: {dupes} (set `label:`)")
        for s in self.strategies:
            _check_component("strategy", s.name, s.options, "strategies", build=True)
        return self

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExperimentSpec:
        """Validate ``data``; raise :class:`SpecError` with a readable message."""
        if not isinstance(data, dict):
            raise SpecError(f"an experiment spec must be a mapping; got {type(data).__name__}")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise SpecError(_format_errors(exc)) from None

    @classmethod
    def from_yaml(cls, path: str | Path) -> ExperimentSpec:
        """Load and validate a YAML spec file (read safely: see :func:`genaug.limits.load_spec_yaml`).

        Raises:
            SpecError: the file cannot be read or its content is invalid; the message names the
                file. Its limit errors are also :class:`~genaug.errors.LimitError`.
        """
        path = Path(path)
        data = load_spec_yaml(path)
        try:
            return cls.from_dict(data)
        except SpecError as err:
            if err.path is not None:
                raise
            raise SpecError(err.problem, path=path, argument=err.argument, accepted=err.accepted) from None

    def to_dict(self) -> dict[str, Any]:
        """A plain dict that ``from_dict`` turns back into the same spec."""
        return self.model_dump(mode="json", exclude_none=True)


def expand_sweep(strategy: Any) -> list[Any]:
    """One strategy per value of its ``sweep`` (a learning curve over synthetic amounts, ...).

    ``{name: generative, label: cvae, synthesizer: cvae, sweep: {n_per_class: [25, 50, 100]}}``
    becomes three strategies labeled ``cvae n_per_class=25`` ... with ``n_per_class`` set; each
    is prepared separately (the synthesizer is fitted once per value). Items without ``sweep``
    are returned unchanged.

    Args:
        strategy: one entry of a spec's ``strategies`` list.

    Returns:
        The expanded entries (a list of one for entries without ``sweep``).

    Raises:
        ValueError: ``sweep`` is not a mapping of exactly one option to a non-empty list, or
            the option is also set directly.

    Example:
        >>> [s["label"] for s in expand_sweep({"name": "generative", "sweep": {"n_per_class": [10, 20]}})]
        ['generative n_per_class=10', 'generative n_per_class=20']
    """
    if not isinstance(strategy, dict) or "sweep" not in strategy:
        return [strategy]
    sweep = strategy["sweep"]
    if not isinstance(sweep, dict) or len(sweep) != 1:
        raise ValueError(
            f"sweep must map exactly one strategy option to a list of values, e.g. "
            f"{{n_per_class: [25, 50, 100]}}; got {sweep!r}"
        )
    ((option, values),) = sweep.items()
    if not isinstance(values, list) or not values:
        raise ValueError(f"sweep: {option!r} needs a non-empty list of values; got {values!r}")
    if option in strategy:
        raise ValueError(f"sweep: {option!r} is also set directly; set it in one place only")
    base = {k: v for k, v in strategy.items() if k != "sweep"}
    label = base.get("label") or base.get("name")
    return [{**base, option: value, "label": f"{label} {option}={value}"} for value in values]


def _check_component(kind: str, name: str, options: dict[str, Any], where: str,
                     *, build: bool = False) -> None:
    try:
        factory = registry.get(kind, name)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    allowed = _keyword_names(factory)
    if allowed is not None:
        unknown = sorted(set(options) - allowed)
        if unknown:
            raise ValueError(
                f"{where}: unknown option(s) {unknown} for {kind} {name!r}; allowed: {sorted(allowed)}"
            )
    if build:  # constructors validate their arguments; fail now rather than mid-run
        from genaug.experiment.generation import check_config

        check_config(kind, {"name": name, **options}, f"{where}: {kind}")


def _keyword_names(factory: Any) -> set[str] | None:
    """Keyword arguments ``factory`` accepts, following ``**kwargs`` up a class hierarchy."""
    targets = [c.__init__ for c in factory.__mro__ if "__init__" in vars(c)] if inspect.isclass(factory) \
        else [factory]
    names: set[str] = set()
    for target in targets:
        if target is object.__init__:
            break
        params = inspect.signature(target).parameters.values()
        names |= {p.name for p in params
                  if p.name != "self" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
            return names
    return None


_TOP_MODELS = {
    "": ExperimentSpec, "split": SplitSpec, "evaluation": EvaluationSpec,
}


def _format_errors(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            parent = ".".join(str(p) for p in err["loc"][:-1])
            model = _TOP_MODELS.get(parent, ExperimentSpec)
            allowed = sorted(model.model_fields)
            where = f" in {parent}" if parent else ""
            lines.append(f"unknown key {err['loc'][-1]!r}{where}; allowed keys: {allowed}")
        elif err["type"] == "missing":
            lines.append(f"missing required key {loc!r}")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"{loc}: {msg}" if loc else msg)
    return "invalid experiment spec: " + "; ".join(lines)
