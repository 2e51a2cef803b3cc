"""The callbacks a training run uses, in one call."""

import keras
import numpy as np

from tfvae.callbacks.clusters import ClusterScores
from tfvae.callbacks.diagnostics import SeparationDiagnostics
from tfvae.callbacks.images import ImageSummaries
from tfvae.callbacks.kl_weight import KLWeightLogger
from tfvae.callbacks.latents import LatentHistograms
from tfvae.callbacks.projector import EmbeddingProjector
from tfvae.callbacks.summaries import as_examples
from tfvae.callbacks.views import latent_view


def standard_callbacks(model, log_dir, examples, labels=None, every_n_epochs=1, num_images=8, backgrounds=None):
    """Returns the TensorBoard callbacks that apply to `model` and `examples`.

    Keras's `TensorBoard` (every metric, i.e. every loss term, as `epoch_<name>` in
    `train/` and `validation/`, and `epoch_learning_rate`), `KLWeightLogger`,
    `LatentHistograms`, `EmbeddingProjector`, with labels of two or more classes
    `ClusterScores`, for a `ContrastiveVAE` given held-out `backgrounds`
    `SeparationDiagnostics` (scores that need no labels), and for image data `ImageSummaries` of the first `num_images`
    examples. A KL warm-up is part of the model (`beta` as a `tfvae.schedules.Schedule`).

    Args:
        model: a `tfvae.VAE` or `tfvae.ContrastiveVAE`.
        log_dir: str or path. The TensorBoard log directory.
        examples: array `(N, *input_shape)` of held-out examples (targets for a
            `ContrastiveVAE`).
        labels: optional array `(N,)`: the projector's metadata, and the classes
            `ClusterScores` scores the latents against.
        every_n_epochs: int. Frequency of the summaries of `examples`.
        num_images: int. Examples shown by `ImageSummaries`.
        backgrounds: optional array of held-out background examples (ContrastiveVAE).

    Returns:
        List of `keras.callbacks.Callback`.

    Raises:
        TypeError: `model` is not a `tfvae.VAE` or `tfvae.ContrastiveVAE`.
        ValueError: `examples` do not fit the model's input shape.
    """
    examples = as_examples(examples)
    latent_view(model, examples)  # fail now, not after the first epoch
    callbacks = [
        keras.callbacks.TensorBoard(log_dir),
        KLWeightLogger(log_dir),
        LatentHistograms(log_dir, examples, every_n_epochs),
        EmbeddingProjector(log_dir, examples, labels, every_n_epochs),
    ]
    if labels is not None and len(np.unique(labels)) > 1:
        callbacks.append(ClusterScores(log_dir, examples, labels, every_n_epochs))
    if backgrounds is not None and len(backgrounds) >= 2 and hasattr(model, "salient_embedding"):
        callbacks.append(SeparationDiagnostics(log_dir, examples, backgrounds, every_n_epochs))
    if examples.ndim == 4 and examples.shape[-1] in (1, 3, 4):
        callbacks.append(ImageSummaries(log_dir, examples[:num_images], every_n_epochs))
    return callbacks
