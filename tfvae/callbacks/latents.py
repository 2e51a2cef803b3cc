"""Histograms of posterior means and scales, and per-dimension KL: the
posterior-collapse signal."""

import numpy as np
import tensorflow as tf

from tfvae import metrics
from tfvae.callbacks.summaries import ExampleSummaries


def per_dimension_kl(mean, stddev):
    """KL of each dimension of a diagonal Gaussian to the standard normal, in nats.

    KL(N(m, s^2) || N(0, 1)) = 0.5 (m^2 + s^2 - 1) - log s, elementwise. For a
    diagonal posterior the dimensions' KLs sum to KL(q(z|x) || N(0, I)).

    Args:
        mean: array `(..., k)` of posterior means m.
        stddev: array `(..., k)` of posterior stddevs s > 0.

    Returns:
        Float array `(..., k)`.
    """
    mean, stddev = np.asarray(mean, "float64"), np.asarray(stddev, "float64")
    return 0.5 * (mean**2 + stddev**2 - 1.0) - np.log(stddev)


class LatentHistograms(ExampleSummaries):
    """Every N epochs, summarizes the posteriors of a fixed batch of examples.

    For each latent group (`VAE`: `z`; `ContrastiveVAE`: `salient`, `background`):

    - histograms `posterior_mean/<group>` and `posterior_stddev/<group>` of all
      the examples' posterior means and stddevs;
    - scalars `kl/<group>/dim_<i>`: the mean over examples of the closed-form KL of
      dimension i to the N(0, 1) prior (`per_dimension_kl`); a dimension whose KL
      stays near 0 has collapsed to the prior and carries no information;
    - scalar `active_dims/<group>`: how many dimensions have KL above
      `active_threshold`;
    - scalar `active_units/<group>` (two or more examples): how many dimensions
      have a posterior mean that varies over the examples
      (`tfvae.metrics.active_units`, as in `metrics.json`). A posterior that gives
      every input the same mean with a stddev below 1 has KL > 0, so it counts in
      `active_dims`, but carries nothing about x and does not count here.

    Full-covariance posteriors are summarized by their marginals (stddev
    sqrt(Sigma_ii)); their per-dimension KLs then ignore the correlations, and sum
    to less than the full KL (by the total correlation of q).

    Args:
        log_dir: str or path. The TensorBoard log directory.
        examples: array `(N, *input_shape)` (targets for a `ContrastiveVAE`).
        every_n_epochs: int. Write after epochs 0, N, 2N, ... and the last.
        active_threshold: float. KL in nats above which a dimension counts as active.
        subdir: str. Run folder under `log_dir`.
    """

    def __init__(self, log_dir, examples, every_n_epochs=1, *, active_threshold=0.01, subdir="latents"):
        super().__init__(log_dir, subdir, examples, every_n_epochs)
        self.active_threshold = float(active_threshold)

    def write_summaries(self, epoch):
        for group, (mean, stddev) in self._view.posterior_moments(self.examples).items():
            tf.summary.histogram(f"posterior_mean/{group}", mean)
            tf.summary.histogram(f"posterior_stddev/{group}", stddev)
            kl = per_dimension_kl(mean, stddev).mean(axis=0)  # (k,)
            for d, value in enumerate(kl):
                tf.summary.scalar(f"kl/{group}/dim_{d}", value)
            tf.summary.scalar(f"active_dims/{group}", int(np.sum(kl > self.active_threshold)))
            if len(mean) > 1:
                tf.summary.scalar(f"active_units/{group}", metrics.active_units(mean))
