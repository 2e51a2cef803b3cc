"""How well each latent group's posterior means cluster by a known label, during training."""

import numpy as np
import tensorflow as tf

from tfvae import metrics
from tfvae.callbacks.summaries import ExampleSummaries


class ClusterScores(ExampleSummaries):
    """Every N epochs, scores the posterior means of fixed labelled examples.

    For each latent group (`VAE`: `z`; `ContrastiveVAE`: `salient`, `background`)
    writes scalars `silhouette/<group>`, `ari/<group>` and `nmi/<group>`
    (`tfvae.metrics.silhouette` and `tfvae.metrics.kmeans_agreement` with one
    cluster per label). For a `ContrastiveVAE` the salient curves should rise and
    the background ones stay near 0 (no leakage); curves still rising at the last
    epoch say the run stopped early. Every scoring is also kept in `history`, a
    list of `{"epoch": e, "<metric>/<group>": value}` dicts.

    Args:
        log_dir: str or path. The TensorBoard log directory.
        examples: array `(N, *input_shape)` (targets for a `ContrastiveVAE`).
        labels: array `(N,)` with at least two distinct values.
        every_n_epochs: int. Score after epochs 0, N, 2N, ... and the last.
        subdir: str. Run folder under `log_dir`.
        seed: int. Seed of the silhouette subsample and of k-means.

    Raises:
        ValueError: `labels` do not have one entry per example, or have one class.
    """

    def __init__(self, log_dir, examples, labels, every_n_epochs=1, *, subdir="clusters", seed=0):
        super().__init__(log_dir, subdir, examples, every_n_epochs)
        self.labels = np.asarray(labels).reshape(-1)
        if len(self.labels) != len(self.examples):
            raise ValueError(f"got {len(self.labels)} labels for {len(self.examples)} examples.")
        if len(np.unique(self.labels)) < 2:
            raise ValueError("ClusterScores needs labels with at least two distinct values.")
        self.seed = int(seed)
        self.history = []

    def scores(self):
        """Returns `{"<metric>/<group>": float}` for the model as it is now."""
        moments = self._view.posterior_moments(self.examples)
        result = {}
        for group in self._view.groups:
            means = moments[group][0]
            agreement = metrics.kmeans_agreement(means, self.labels, seed=self.seed)
            result[f"silhouette/{group}"] = metrics.silhouette(means, self.labels, seed=self.seed)
            result[f"ari/{group}"], result[f"nmi/{group}"] = agreement["ari"], agreement["nmi"]
        return result

    def write_summaries(self, epoch):
        scores = self.scores()
        for name, value in scores.items():
            tf.summary.scalar(name, value)
        self.history.append({"epoch": epoch, **scores})
