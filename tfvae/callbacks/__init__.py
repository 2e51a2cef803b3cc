"""Keras callbacks for the tfvae models: TensorBoard summaries.

Each summary callback writes to its own run folder under `log_dir`, next to
Keras's `TensorBoard` callback's `train/` and `validation/` (which already log every
loss term and the learning rate): `schedule/` (`KLWeightLogger`), `images/`
(`ImageSummaries`), `latents/` (`LatentHistograms`), `clusters/`
(`ClusterScores`), `diagnostics/` (`SeparationDiagnostics`) and `projector/`
(`EmbeddingProjector`). `standard_callbacks`
returns the set a run uses.
"""

from tfvae.callbacks.clusters import ClusterScores
from tfvae.callbacks.diagnostics import SeparationDiagnostics
from tfvae.callbacks.images import ImageSummaries
from tfvae.callbacks.kl_weight import KLWeightLogger
from tfvae.callbacks.latents import LatentHistograms, per_dimension_kl
from tfvae.callbacks.projector import EmbeddingProjector
from tfvae.callbacks.standard import standard_callbacks
from tfvae.callbacks.summaries import EpochSummaries, ExampleSummaries

__all__ = [
    "ClusterScores",
    "EmbeddingProjector",
    "EpochSummaries",
    "ExampleSummaries",
    "ImageSummaries",
    "KLWeightLogger",
    "LatentHistograms",
    "SeparationDiagnostics",
    "per_dimension_kl",
    "standard_callbacks",
]
