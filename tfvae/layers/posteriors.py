"""Posterior layers q(z|x): diagonal and full-covariance Gaussians over the latent code."""

import keras
import tensorflow as tf
import tensorflow_probability as tfp

from tfvae.layers.distribution_layer import DistributionLayer

tfd = tfp.distributions


class GaussianPosterior(DistributionLayer):
    """Shared constructor and config of the Gaussian posteriors over z in R^k.

    Args:
        latent_dim: int. Dimension k of z.
        min_scale: float. Lower bound on the scale, for numerical stability.
        **kwargs: passed to `keras.layers.Layer`.
    """

    def __init__(self, latent_dim, min_scale=1e-4, **kwargs):
        kwargs.pop("event_shape", None)
        super().__init__(event_shape=(latent_dim,), **kwargs)
        self.latent_dim = int(latent_dim)
        self.min_scale = float(min_scale)

    def _positive(self, raw):
        """Maps raw parameters to scales: softplus(raw) + min_scale."""
        return tf.math.softplus(raw) + self.min_scale

    def get_config(self):
        config = super().get_config()
        config.pop("event_shape")
        return {**config, "latent_dim": self.latent_dim, "min_scale": self.min_scale}


@keras.saving.register_keras_serializable(package="tfvae")
class DiagonalNormal(GaussianPosterior):
    """q(z|x) = N(mu, diag(sigma^2)), reparameterized as z = mu + sigma * eps (eq. 2.12).

    Parameters per latent dimension: a location and a raw scale, laid out as
    `(k, 2)` in the flat parameter vector.
    """

    params_per_dim = 2

    def distribution(self, params):
        loc, raw_scale = self._split_params(params)  # each (B, k)
        return tfd.MultivariateNormalDiag(loc=loc, scale_diag=self._positive(raw_scale))


@keras.saving.register_keras_serializable(package="tfvae")
class FullCovarianceNormal(GaussianPosterior):
    """q(z|x) = N(mu, L L^T) with a lower-triangular Cholesky factor L.

    Parameters: k locations, then k(k+1)/2 entries of L filled by
    `tfp.math.fill_triangular`; the diagonal of L is made positive with
    `softplus(.) + min_scale`, so L L^T is positive definite.
    """

    def params_size(self):
        k = self.latent_dim
        return k + k * (k + 1) // 2

    def distribution(self, params):
        k = self.latent_dim
        params = tf.reshape(tf.cast(params, self.compute_dtype), (-1, self.params_size()))
        loc, tril = params[:, :k], tfp.math.fill_triangular(params[:, k:])  # (B, k), (B, k, k)
        scale_tril = tf.linalg.set_diag(tril, self._positive(tf.linalg.diag_part(tril)))
        return tfd.MultivariateNormalTriL(loc=loc, scale_tril=scale_tril)


def get_posterior(posterior, latent_dim):
    """Returns the posterior layer for `"diag"` or `"full"`; a layer passes through."""
    if isinstance(posterior, DistributionLayer):
        return posterior
    choices = {"diag": DiagonalNormal, "full": FullCovarianceNormal}
    if posterior not in choices:
        raise ValueError(
            f"posterior must be one of {sorted(choices)} or a DistributionLayer, got {posterior!r}."
        )
    return choices[posterior](latent_dim)
