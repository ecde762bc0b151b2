"""Consistency training (FixMatch/UDA) and SimCLR pretraining + fine-tuning, with tiny models."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genaug.data.labeled import LabeledData
from genaug.serialization import CONFIG_NAME, WEIGHTS_NAME, read_config
from genaug.train import SmallCNNClassifier
from genaug.train.pretrain import EncoderCheckpoint, SimCLR, nt_xent
from genaug.train.semi import FixMatch, consistency_loss

TINY = {"steps": 4, "batch_size": 8, "eval_every": 2, "arch_kwargs": {"width": 4}}


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _images(n: int, seed: int) -> LabeledData:
    g = torch.Generator().manual_seed(seed)
    y = np.arange(n) % 2
    x = 0.2 * torch.rand(n, 1, 8, 8, generator=g)
    for i, c in enumerate(y):
        x[i, 0, 1 + 4 * c] = 0.9
    return LabeledData(x, y, ("a", "b"), "image")


def _signals(n: int, seed: int) -> LabeledData:
    g = torch.Generator().manual_seed(seed)
    y = np.arange(n) % 2
    x = torch.randn(n, 1, 16, generator=g) + torch.as_tensor(y, dtype=torch.float32)[:, None, None]
    return LabeledData(x, y, ("a", "b"), "signal")


# ----- the loss ---------------------------------------------------------------------------------
def test_consistency_loss_masks_below_threshold_and_trains_only_strong():
    weak = torch.tensor([[4.0, 0.0], [0.2, 0.0]])
    strong = torch.zeros(2, 2, requires_grad=True)
    loss, mask = consistency_loss(weak, strong, threshold=0.9)
    assert mask.tolist() == [1.0, 0.0]
    loss.backward()
    assert strong.grad[1].abs().sum() == 0  # the masked sample gives no gradient
    assert strong.grad[0, 0] < 0  # pushes the strong view towards the pseudo-label
    assert consistency_loss(weak, strong, threshold=1.0)[0].item() == 0.0


def test_soft_targets_differ_from_hard():
    weak, strong = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0]])
    hard = consistency_loss(weak, strong, threshold=0.0)[0]
    soft = consistency_loss(weak, strong, threshold=0.0, soft=True, temperature=0.4)[0]
    assert hard.item() != pytest.approx(soft.item())


def test_fixmatch_validates_and_binds_modality_views():
    with pytest.raises(ValueError, match="threshold"):
        FixMatch(threshold=1.5)
    with pytest.raises(ValueError, match="ratio"):
        FixMatch(ratio=0)
    fm = FixMatch().bind("signal", (1, 16))
    assert fm.strong_(torch.zeros(2, 1, 16), generator=0).shape == (2, 1, 16)
    with pytest.raises(ValueError, match="augmenter and modality .tabular."):
        FixMatch().bind("tabular", (3,))


# ----- the trainer ------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [_images, _signals])
def test_fixmatch_fit_is_seeded_records_mask_and_changes_training(make):
    train, val, pool = make(8, 0), make(6, 1), make(32, 2)
    arch = "small_cnn" if train.modality == "image" else "cnn1d"
    fm = {"threshold": 0.0, "ratio": 2}

    def fit(**kw):
        return SmallCNNClassifier(arch=arch, **TINY).fit(train, val, generator=3, **kw)

    a = fit(unlabeled=pool, consistency=fm)
    b = fit(unlabeled=pool, consistency=FixMatch(**fm))
    assert torch.equal(a.model_.head.weight, b.model_.head.weight)
    assert all("mask_rate" in h and h["mask_rate"] == 1.0 for h in a.history_)
    plain = fit()
    assert not torch.equal(a.model_.head.weight, plain.model_.head.weight)
    # the pool's labels are never used: scrambling them changes nothing
    scrambled = LabeledData(pool.x, 1 - pool.y, pool.class_names, pool.modality)
    c = fit(unlabeled=scrambled, consistency=fm)
    assert torch.equal(a.model_.head.weight, c.model_.head.weight)


def test_fixmatch_ema_teacher_runs_and_needs_a_pool():
    train, pool = _images(8, 0), _images(16, 2)
    clf = SmallCNNClassifier(**TINY).fit(train, generator=0, unlabeled=pool,
                                         consistency={"ema_decay": 0.9, "threshold": 0.5})
    assert clf.predict_proba(pool).shape == (16, 2)
    with pytest.raises(ValueError, match="unlabeled pool"):
        SmallCNNClassifier(**TINY).fit(train, generator=0, consistency={})
    with pytest.raises(ValueError, match="consistency"):
        SmallCNNClassifier(**TINY).fit(train, generator=0, unlabeled=pool)


# ----- pretraining ------------------------------------------------------------------------------
def test_nt_xent_prefers_matching_views():
    z = torch.randn(6, 4, generator=torch.Generator().manual_seed(0))
    assert nt_xent(z, z, temperature=0.5) < nt_xent(z, z.roll(1, 0), temperature=0.5)


def test_simclr_checkpoint_roundtrip_and_finetune(tmp_path):
    data, train = _images(24, 0), _images(8, 1)
    sim = SimCLR(steps=3, batch_size=8, arch_kwargs={"width": 4}, projection_dim=8).fit(data, generator=0)
    again = SimCLR(steps=3, batch_size=8, arch_kwargs={"width": 4}, projection_dim=8).fit(data, generator=0)
    ck = sim.checkpoint_
    assert all(torch.equal(ck.body[k], again.checkpoint_.body[k]) for k in ck.body)
    assert len(sim.history_["loss"]) == 3
    folder = ck.save(tmp_path / "enc")
    assert (folder / WEIGHTS_NAME).exists() and read_config(folder / CONFIG_NAME)["kind"] == "encoder"
    loaded = EncoderCheckpoint.load(folder)
    assert all(torch.equal(ck.body[k], loaded.body[k]) for k in ck.body)

    # full fine-tune from the folder (constructor init) equals fine-tune from the object
    a = SmallCNNClassifier(**TINY, init=str(folder)).fit(train, generator=0)
    b = SmallCNNClassifier(**TINY).fit(train, generator=0, init=ck)
    assert torch.equal(a.model_.head.weight, b.model_.head.weight)
    scratch = SmallCNNClassifier(**TINY).fit(train, generator=0)
    assert not torch.equal(a.model_.body[0].weight, scratch.model_.body[0].weight)

    # a linear probe leaves the encoder exactly as pretrained
    lin = SmallCNNClassifier(**TINY, finetune="linear").fit(train, generator=0, init=ck)
    for k, v in lin.model_.body.state_dict().items():
        assert torch.equal(v, ck.body[k]), k
    # the saved classifier still round-trips (init is a plain string param)
    a.save(tmp_path / "clf")


def test_init_from_a_saved_classifier_and_mismatch(tmp_path):
    train = _images(8, 1)
    SmallCNNClassifier(**TINY).fit(train, generator=0).save(tmp_path / "clf")
    ck = EncoderCheckpoint.load(tmp_path / "clf")
    assert ck.arch == "small_cnn" and ck.info["method"] == "classifier"
    wider = {**TINY, "arch_kwargs": {"width": 8}}
    with pytest.raises(ValueError, match="must match to fine-tune"):
        SmallCNNClassifier(**wider).fit(train, generator=0, init=ck)
