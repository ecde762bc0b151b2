"""Build augmenters from YAML-style configs and turn them back into configs.

A config is one of:

* a dict ``{"name": <registered augmenter>, **options}``, e.g. ``{"name": "affine", "degrees": 10}``;
* a list of configs, which becomes a :class:`~genaug.ops.compose.Sequential`;
* a bare name (``"flip"``), meaning that augmenter with its default options;
* an already built augmenter or label mixer (returned unchanged).

Compositions nest: ``{"name": "one_of", "augmenters": [{"name": "gaussian_blur"}, ...]}``.

Example:
    >>> import yaml
    >>> cfg = yaml.safe_load('''
    ... - {name: affine, degrees: 10, translate: 0.1}
    ... - name: one_of
    ...   augmenters: [{name: gaussian_noise, std: 0.02}, {name: gaussian_blur}]
    ... ''')
    >>> aug = build(cfg)
    >>> [type(c).__name__ for c in aug.children]
    ['Affine', 'OneOf']
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

from genaug import registry
from genaug.ops.base import Augmenter
from genaug.ops.mixing_ops import LabelMixer

AugmenterConfig = Mapping[str, Any] | Sequence[Any] | str | Augmenter | LabelMixer


def accepted_options(cls: type) -> list[str]:
    """Keyword options accepted by ``cls``'s constructor, in signature order."""
    params = inspect.signature(cls.__init__).parameters.values()
    return [
        p.name for p in params
        if p.name != "self" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]


def build(config: AugmenterConfig) -> Augmenter | LabelMixer:
    """Build an augmenter (or a label mixer such as ``mixup``) from a config.

    Args:
        config: a ``{"name": ..., **options}`` mapping, a list of them (-> ``Sequential``), a
            registered name, or an augmenter instance (returned unchanged).

    Returns:
        The augmenter. Mixers (``mixup``, ``cutmix``) come back as :class:`LabelMixer`.

    Raises:
        ValueError: unknown name (the message lists the registered ones), missing ``name``,
            or unknown options (the message names them and lists the accepted ones).
        TypeError: a config of another type.

    Example:
        >>> build({"name": "affine", "degrees": 10}).degrees
        10
    """
    return _build(config, ("augmenter", "label_mixer"))


def build_augmenter(config: AugmenterConfig) -> Augmenter:
    """Like :func:`build`, but only batch augmenters (registry kind ``"augmenter"``).

    A label mixer's name raises an error that says it belongs under ``mixer:``.

    Example:
        >>> type(build_augmenter("flip")).__name__
        'Flip'
    """
    out = _build(config, ("augmenter",))
    if isinstance(out, LabelMixer):
        raise TypeError(f"{type(out).__name__} is a label mixer; pass it as a strategy's `mixer:`")
    return out


def _build(config: AugmenterConfig, kinds: tuple[str, ...]) -> Augmenter | LabelMixer:
    if isinstance(config, Augmenter | LabelMixer):
        return config
    if isinstance(config, str):
        return _create(config, {}, kinds)
    if isinstance(config, Mapping):
        options = dict(config)
        if "name" not in options:
            raise ValueError(
                f"augmenter config must have a 'name' key; got keys {sorted(options)}; "
                f"available names: {', '.join(registry.available('augmenter'))}"
            )
        name = options.pop("name")
        if not isinstance(name, str):
            raise TypeError(f"augmenter config 'name' must be a str; got {name!r}")
        return _create(name, options, kinds)
    if isinstance(config, Sequence):
        from genaug.ops.compose import Sequential

        return Sequential(augmenters=list(config))
    raise TypeError(
        "augmenter config must be a dict with 'name', a list of such dicts, a name or an "
        f"Augmenter; got {type(config).__name__}"
    )


def build_mixer(config: Mapping[str, Any] | str | LabelMixer) -> LabelMixer:
    """Build a label mixer (registry kind ``"label_mixer"``: ``mixup``, ``cutmix``) from a config.

    Raises:
        ValueError: the name is not a label mixer (a batch augmenter's name says where it goes).

    Example:
        >>> build_mixer({"name": "mixup", "alpha": 0.2}).alpha
        0.2
    """
    if isinstance(config, LabelMixer):
        return config
    if isinstance(config, Mapping):
        options = dict(config)
        name = options.pop("name", None)
        if not isinstance(name, str):
            raise ValueError(
                f"mixer config must have a str 'name' key; got {config!r}; "
                f"available label mixers: {', '.join(registry.available('label_mixer'))}"
            )
    elif isinstance(config, str):
        name, options = config, {}
    else:
        raise TypeError(f"mixer config must be a name or a dict with 'name'; got {type(config).__name__}")
    return _create(name, options, ("label_mixer",))


def _create(name: str, options: dict[str, Any],
            kinds: tuple[str, ...] = ("augmenter", "label_mixer")) -> Augmenter | LabelMixer:
    # Batch augmenters and label mixers have disjoint names, so ``build`` takes either.
    have = registry.kind_of(name)
    kind = next((k for k in kinds if k in have), kinds[0])
    cls = registry.get(kind, name)  # type: ignore[arg-type]
    accepted = accepted_options(cls)
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(
            f"unknown option(s) {', '.join(map(repr, unknown))} for {kind} {name!r}; "
            f"accepted: {', '.join(accepted)}"
        )
    return cls(**options)


def to_config(augmenter: Augmenter | LabelMixer) -> dict[str, Any]:
    """The config dict that :func:`build` turns back into an equal augmenter.

    Nested augmenters of compositions become nested config dicts; the result is JSON/YAML-ready
    (tuples stay tuples; ``json`` writes them as lists, which the constructors accept).

    Example:
        >>> from genaug.ops import Flip
        >>> to_config(Flip(p=0.3))
        {'name': 'flip', 'horizontal': True, 'vertical': False, 'p': 0.3}
    """
    name = getattr(type(augmenter), "registry_name", None)
    kind = "label_mixer" if isinstance(augmenter, LabelMixer) else "augmenter"
    if name is None or kind not in registry.kind_of(name) or registry.get(kind, name) is not type(augmenter):
        raise ValueError(f"{type(augmenter).__name__} is not a registered augmenter; cannot write its config")
    config: dict[str, Any] = {"name": name}
    for key, value in augmenter.get_config().items():
        if key == "augmenters":
            value = [to_config(v) if isinstance(v, Augmenter | LabelMixer) else _plain(v) for v in value]
        config[key] = value
    return config


def _plain(value: Any) -> Any:
    """Nested configs given as dicts/lists: convert any instances inside them."""
    if isinstance(value, Augmenter | LabelMixer):
        return to_config(value)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
