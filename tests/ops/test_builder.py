"""build(), to_config() and default_augmenter()."""

from __future__ import annotations

import json

import pytest
import torch
import yaml

from genaug.ops import (
    Affine,
    Flip,
    GaussianNoise,
    MixUp,
    OneOf,
    Sequential,
    SignalShift,
    build,
    default_augmenter,
    to_config,
)
from genaug.rng import as_generator

YAML = """
- {name: affine, degrees: 10, translate: 0.1, scale: [0.9, 1.1]}
- name: one_of
  weights: [2, 1]
  augmenters:
    - {name: gaussian_noise, std: 0.02}
    - {name: gaussian_blur, kernel_size: 3}
- {name: random_erasing, p: 0.25}
"""


def test_build_from_yaml_config() -> None:
    aug = build(yaml.safe_load(YAML))
    assert isinstance(aug, Sequential)
    assert [type(c).__name__ for c in aug.children] == ["Affine", "OneOf", "RandomErasing"]
    inner = aug.children[1]
    assert isinstance(inner, OneOf) and inner.weights == [2, 1]
    x = torch.rand(4, 1, 12, 12, generator=as_generator(0))
    assert torch.equal(aug(x, generator=0), aug(x, generator=0))


def test_build_single_dict_name_and_instance() -> None:
    aug = build({"name": "affine", "degrees": 5})
    assert isinstance(aug, Affine) and aug.degrees == 5
    assert isinstance(build("flip"), Flip)
    flip = Flip()
    assert build(flip) is flip
    assert isinstance(build({"name": "mixup", "alpha": 0.2}), MixUp)


def test_build_does_not_modify_the_config() -> None:
    config = {"name": "affine", "degrees": 5}
    build(config)
    assert config == {"name": "affine", "degrees": 5}


def test_unknown_name_lists_valid_names() -> None:
    with pytest.raises(ValueError, match="unknown augmenter 'afine'.*affine.*flip"):
        build({"name": "afine"})
    with pytest.raises(ValueError, match="unknown augmenter"):
        build([{"name": "flip"}, {"name": "nope"}])


def test_unknown_option_names_it_and_lists_accepted() -> None:
    with pytest.raises(ValueError, match=r"'rotation'.*'affine'.*accepted: degrees, translate"):
        build({"name": "affine", "rotation": 10})
    with pytest.raises(ValueError, match="'sigma'"):
        build({"name": "one_of", "augmenters": [{"name": "gaussian_noise", "sigma": 0.1}]})


def test_bad_configs() -> None:
    with pytest.raises(ValueError, match="'name'"):
        build({"degrees": 10})
    with pytest.raises(TypeError, match="augmenter config"):
        build(3)
    with pytest.raises(ValueError, match="degrees"):
        build({"name": "affine", "degrees": -1})


def test_to_config_round_trips_through_json() -> None:
    aug = Sequential(augmenters=[Flip(p=0.2), OneOf(augmenters=[GaussianNoise(std=0.1), {"name": "color"}])])
    config = to_config(aug)
    assert config["augmenters"][0] == {"name": "flip", "horizontal": True, "vertical": False, "p": 0.2}
    rebuilt = build(json.loads(json.dumps(config)))
    x = torch.rand(5, 3, 8, 8, generator=as_generator(0))
    assert torch.equal(rebuilt(x, generator=1), aug(x, generator=1))


def test_default_augmenter_for_grayscale_digits_has_no_flips() -> None:
    aug = default_augmenter("image", (1, 28, 28))
    names = [c.registry_name for c in aug.children]
    assert "flip" not in names and names == ["affine", "gaussian_noise"]
    affine = aug.children[0]
    assert affine.degrees == 10.0 and affine.translate == 0.1 and tuple(affine.scale) == (0.9, 1.1)
    x = torch.rand(4, 1, 28, 28, generator=as_generator(0))
    assert aug(x, generator=0).shape == x.shape


def test_default_augmenter_rgb_and_signals() -> None:
    rgb = default_augmenter("image", (3, 32, 32))
    assert [c.registry_name for c in rgb.children][0] == "flip"
    sig = default_augmenter("signal", (1, 40))
    assert isinstance(sig.children[0], SignalShift)
    x = torch.randn(4, 1, 40, generator=as_generator(0))
    assert sig(x, generator=0).shape == x.shape
    audio = default_augmenter("audio", (1, 100))
    names = [c.registry_name for c in audio.children]
    assert names[0] == "audio_gain" and "audio_speed" not in names  # no pitch-changing op by default
    assert audio(torch.randn(4, 1, 100, generator=as_generator(0)), generator=0).shape == (4, 1, 100)
    json.dumps(to_config(rgb))  # JSON-ready


def test_default_augmenter_errors() -> None:
    with pytest.raises(ValueError, match="tabular"):
        default_augmenter("tabular", (10,))
    with pytest.raises(ValueError, match="modality"):
        default_augmenter("video", (3, 8, 8))
    with pytest.raises(ValueError, match="sample_shape"):
        default_augmenter("image", (28, 28))
    with pytest.raises(ValueError, match="sample_shape"):
        default_augmenter("signal", None)
