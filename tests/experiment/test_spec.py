import pytest

from genaug.experiment import ExperimentSpec, SpecError

BASE = {"name": "t", "dataset": {"name": "digits"}, "model": {"name": "small_cnn", "steps": 5}}


def test_defaults_fill_in():
    spec = ExperimentSpec.from_dict(BASE)
    assert [s.name for s in spec.strategies] == ["none", "classical"]
    assert spec.split.labeled_per_class == [10]
    assert spec.model.options == {"steps": 5}
    assert ExperimentSpec.from_dict(spec.to_dict()) == spec


def test_unknown_top_level_key_names_key_and_allowed():
    with pytest.raises(SpecError) as err:
        ExperimentSpec.from_dict({**BASE, "sedes": [1]})
    msg = str(err.value)
    assert "'sedes'" in msg and "seeds" in msg and "strategies" in msg


def test_unknown_split_key():
    with pytest.raises(SpecError, match=r"unknown key 'labelled_per_class' in split.*labeled_per_class"):
        ExperimentSpec.from_dict({**BASE, "split": {"labelled_per_class": 5}})


def test_unknown_model_option_lists_allowed():
    with pytest.raises(SpecError, match=r"unknown option\(s\) \['stepz'\].*steps"):
        ExperimentSpec.from_dict({**BASE, "model": {"name": "small_cnn", "stepz": 3}})


def test_unknown_names_list_valid_ones():
    with pytest.raises(SpecError, match=r"unknown model 'resnet9000'.*small_cnn"):
        ExperimentSpec.from_dict({**BASE, "model": {"name": "resnet9000"}})
    with pytest.raises(SpecError, match=r"unknown strategy 'magic'.*classical"):
        ExperimentSpec.from_dict({**BASE, "strategies": [{"name": "magic"}]})
    with pytest.raises(SpecError, match=r"unknown dataset 'cifar'.*digits"):
        ExperimentSpec.from_dict({**BASE, "dataset": {"name": "cifar"}})


def test_unknown_augmenter_name_in_strategy():
    with pytest.raises(SpecError, match=r"unknown augmenter 'warp9'.*affine"):
        strategies = [{"name": "classical", "augment": {"name": "warp9"}}]
        ExperimentSpec.from_dict({**BASE, "strategies": strategies})


def test_duplicate_strategy_labels_rejected():
    with pytest.raises(SpecError, match="unique"):
        ExperimentSpec.from_dict({**BASE, "strategies": [{"name": "none"}, {"name": "none"}]})


def test_bad_values():
    with pytest.raises(SpecError, match="labeled_per_class"):
        ExperimentSpec.from_dict({**BASE, "split": {"labeled_per_class": [0]}})
    with pytest.raises(SpecError, match="test_fraction"):
        ExperimentSpec.from_dict({**BASE, "split": {"test_fraction": 1.5}})
    with pytest.raises(SpecError, match="missing required key 'dataset'"):
        ExperimentSpec.from_dict({"name": "x"})


def test_yaml_errors(tmp_path):
    with pytest.raises(SpecError, match="does not exist"):
        ExperimentSpec.from_yaml(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("dataset: [unclosed\n")
    with pytest.raises(SpecError, match="not valid YAML"):
        ExperimentSpec.from_yaml(bad)


def test_fusion_strategy_is_not_an_experiment_strategy():
    with pytest.raises(SpecError, match=r"'mix_concat' is not a strategy: .* a fusion.*mix:"):
        ExperimentSpec.from_dict({**BASE, "strategies": [{"name": "mix_concat"}]})


@pytest.mark.parametrize(("where", "name", "moved"), [
    ({"name": "classical", "augment": {"name": "mixup"}}, "mixup", "label_mixer"),
    ({"name": "classical", "mixer": {"name": "flip"}}, "flip", "augmenter"),
    ({"name": "classical", "augment": {"name": "smote"}}, "smote", "resampler"),
    ({"name": "resample", "resampler": "flip"}, "flip", "augmenter"),
    ({"name": "generative", "synthesizer": "cvae", "mix": {"name": "classical"}}, "classical", "strategy"),
])
def test_a_name_in_the_wrong_place_says_where_it_moved(where, name, moved):
    with pytest.raises(SpecError, match=rf"'{name}' is not a .*registered as a {moved}"):
        ExperimentSpec.from_dict({**BASE, "strategies": [where]})


def _sweep_spec(strategy):
    return {"dataset": {"name": "digits"}, "strategies": [{"name": "none"}, strategy]}


def test_sweep_expands_into_one_labeled_strategy_per_value():
    spec = ExperimentSpec.from_dict(_sweep_spec(
        {"name": "generative", "label": "cvae", "synthesizer": "cvae", "sweep": {"n_per_class": [25, 50]}}))
    assert [s.display_name for s in spec.strategies] == ["none", "cvae n_per_class=25", "cvae n_per_class=50"]
    assert [s.options["n_per_class"] for s in spec.strategies[1:]] == [25, 50]
    # the expanded spec round-trips (results.json holds what actually ran)
    assert ExperimentSpec.from_dict(spec.to_dict()) == spec


@pytest.mark.parametrize("sweep, message", [
    ({"n_per_class": []}, "non-empty list"),
    ({"n_per_class": [1], "use_pool": [True]}, "exactly one"),
    ([10, 20], "exactly one"),
    ({"n_per_class": [0]}, "n_per_class"),            # each value is validated like a direct one
    ({"bogus": [1, 2]}, "unknown option"),
])
def test_bad_sweeps_are_named(sweep, message):
    with pytest.raises(SpecError, match=message):
        ExperimentSpec.from_dict(_sweep_spec({"name": "generative", "synthesizer": "cvae", "sweep": sweep}))


def test_sweep_and_a_direct_value_conflict():
    with pytest.raises(SpecError, match="also set directly"):
        ExperimentSpec.from_dict(_sweep_spec(
            {"name": "generative", "synthesizer": "cvae", "n_per_class": 5, "sweep": {"n_per_class": [1]}}))


@pytest.mark.parametrize(("strategy", "message"), [
    ({"name": "generative", "synthesizer": {"name": "cvae", "steps": "abc"}},
     r"strategy 'generative': synthesizer 'cvae': steps must be an int; got 'abc'"),
    ({"name": "generative", "synthesizer": {"name": "cvae", "stepz": 3}},
     r"synthesizer 'cvae': .*stepz"),
    ({"name": "generative+classical", "synthesizer": "cvae",
      "filter": {"name": "label_fidelity", "threshold": 2.0}},
     r"filter 'label_fidelity': threshold"),
    ({"name": "generative", "synthesizer": "cvae", "mix": {"name": "mix_weighted", "synthetic_weight": -1}},
     r"mix 'mix_weighted': synthetic_weight"),
])
def test_generative_component_options_fail_when_the_spec_is_read(strategy, message):
    """A bad synthesizer, filter or fusion option is named at load time, not minutes into a run."""
    with pytest.raises(SpecError, match=message):
        ExperimentSpec.from_dict({**BASE, "strategies": [strategy]})
