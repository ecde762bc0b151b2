"""genaug.quality: compare synthetic data with real data (metrics) and keep the good samples (filters).

Importing this package registers the ``metric`` and ``filter`` entries.
"""

from genaug.quality.audio import (  # audio features mfcc_stats / log_mel_conv, filter audio_energy
    AudioEnergyFilter,
    LogMelConvFeatures,
    MFCCStatsFeatures,
    audio_classifier_features,
)
from genaug.quality.features import (
    ClassifierFeatures,
    FeatureExtractor,
    FlattenFeatures,
    HashingTextFeatures,
    RandomConvFeatures,
    default_features,
    extract_features,
    fit_feature_classifier,
    resolve_features,
)
from genaug.quality.filters import (
    DedupFilter,
    Filter,
    FilterPipeline,
    LabelFidelityFilter,
    NotFittedError,
    TopKPerClassFilter,
    as_filter,
)
from genaug.quality.metrics import (
    CAS,
    DEFAULT_METRICS,
    FID,
    KID,
    PRDC,
    Diversity,
    FeatureMetric,
    LabelFidelity,
    Memorization,
    Metric,
    evaluate_quality,
)
from genaug.quality.probe import FeatureProbe
from genaug.quality.tabular import (
    TSTR,
    DetectionAUC,
    TableEncoder,
    TabularCopyFilter,
    TabularFidelity,
    TabularPrivacy,
    tabular_quality,
)
from genaug.quality.text import DistinctN, MiniLMFeatures, NgramCopy, SelfBLEU  # text metrics, minilm

__all__ = [
    "AudioEnergyFilter",
    "LogMelConvFeatures",
    "MFCCStatsFeatures",
    "audio_classifier_features",
    "DistinctN",
    "MiniLMFeatures",
    "NgramCopy",
    "SelfBLEU",
    "CAS",
    "DEFAULT_METRICS",
    "FID",
    "KID",
    "PRDC",
    "TSTR",
    "ClassifierFeatures",
    "DedupFilter",
    "DetectionAUC",
    "Diversity",
    "FeatureExtractor",
    "FeatureMetric",
    "FeatureProbe",
    "Filter",
    "FilterPipeline",
    "FlattenFeatures",
    "HashingTextFeatures",
    "LabelFidelity",
    "LabelFidelityFilter",
    "Memorization",
    "Metric",
    "NotFittedError",
    "RandomConvFeatures",
    "TableEncoder",
    "TabularCopyFilter",
    "TabularFidelity",
    "TabularPrivacy",
    "TopKPerClassFilter",
    "as_filter",
    "default_features",
    "evaluate_quality",
    "extract_features",
    "fit_feature_classifier",
    "resolve_features",
    "tabular_quality",
]
