"""Keras Tuner searches over tfvae models.

`tuning.search(...)` runs a whole search and returns a `SearchResult`; the pieces
are usable on their own: search spaces (`tuning.space`), HyperModels
(`tuning.hypermodels`), the fixed-seed held-out metrics callback
(`tuning.evaluation`), the tuners (`tuning.tuners`) and distributed roles
(`tuning.distributed`). A contrastive search starts from a `tfvae.presets` recipe
and tunes its regularizers' weights (`<term>_weight`) among the other parameters.

tuning imports tfvae and nothing else of ours; the `tfvae tune` command
(`tfvae.cli.tune`) ties it to the datasets of `pipelines`.
"""

from tuning.evaluation import HeldOutMetrics
from tuning.hypermodels import ContrastiveVAEHyperModel, TfvaeHyperModel, VAEHyperModel
from tuning.results import SearchResult
from tuning.search import HYPERMODELS, search
from tuning.space import SearchSpace
from tuning.tuners import TUNERS, BayesianOptimization, HeldOutObjective, Hyperband, RandomSearch

__all__ = [
    "BayesianOptimization",
    "ContrastiveVAEHyperModel",
    "HYPERMODELS",
    "HeldOutMetrics",
    "HeldOutObjective",
    "Hyperband",
    "RandomSearch",
    "SearchResult",
    "SearchSpace",
    "TUNERS",
    "TfvaeHyperModel",
    "VAEHyperModel",
    "search",
]
