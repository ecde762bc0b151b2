"""The README's Python example: digits, 10 labels per class, classical augmentation vs none."""

from genaug.data import load_dataset, split
from genaug.ops import build
from genaug.registry import create
from genaug.train import evaluate_split

data = load_dataset("digits")                                   # (1797, 1, 8, 8) in [0, 1]
parts = split(data, labeled_per_class=10, val_per_class=10, seed=0)
augment = build([{"name": "affine", "degrees": 10, "translate": 0.1}, {"name": "gaussian_noise"}])
for name, aug in [("none", None), ("classical", augment)]:
    clf = create("model", "small_cnn", steps=300).fit(parts.labeled, parts.val, augmenter=aug, generator=0)
    print(name, evaluate_split(clf, parts.labeled, parts.test)["test_accuracy"])
