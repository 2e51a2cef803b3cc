"""A learned mixture-of-Gaussians prior, for latents that should form clusters.

The standard normal prior p(s) = N(0, I) charges KL for every cluster that sits
away from the origin, so classes in a salient space are pulled into one blob. A
mixture p(s) = (1/K) sum_k N(s; mu_k, diag(sigma_k^2)) with learned means and
scales lets K groups sit apart at no KL cost (as in VaDE, Jiang et al. 2017, and
the GMVAE of Dilokthanakul et al. 2016). Its KL to a Gaussian posterior has no
closed form, so the ELBO uses the Monte-Carlo estimate of eq. 2.14.
"""

import math

import keras
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

tfd = tfp.distributions


@keras.saving.register_keras_serializable(package="tfvae")
class MixturePrior(keras.layers.Layer):
    """Holds the means and log-scales of a K-component diagonal Gaussian mixture.

    Args:
        latent_dim: int. Event size.
        num_components: int. K >= 2.
        spread: float. Standard deviation of the random initial means (seeded).
        init_scale: float. Initial standard deviation of every component. The
            defaults (means drawn with standard deviation 2, scales 0.3) start the prior as K
            separate clusters rather than one blob.
        seed: int. Seed of the initial means.
        min_scale: float. Floor on each component's scale.
        **kwargs: `keras.layers.Layer` arguments.
    """

    def __init__(self, latent_dim, num_components, spread=2.0, init_scale=0.3, seed=0, min_scale=1e-3, **kwargs):
        super().__init__(**kwargs)
        if int(latent_dim) < 1 or int(num_components) < 2:
            raise ValueError(
                f"MixturePrior needs latent_dim >= 1 and num_components >= 2, got {latent_dim} and {num_components}."
            )
        self.latent_dim, self.num_components = int(latent_dim), int(num_components)
        if not init_scale > min_scale:
            raise ValueError(f"MixturePrior needs init_scale > min_scale, got {init_scale} and {min_scale}.")
        self.spread, self.seed, self.min_scale = float(spread), int(seed), float(min_scale)
        self.init_scale = float(init_scale)
        shape = (self.num_components, self.latent_dim)
        self.loc = self.add_weight(
            shape=shape, initializer=keras.initializers.RandomNormal(stddev=self.spread, seed=self.seed), name="loc"
        )
        # scale = min_scale + exp(log_scale) starts at init_scale.
        log_init = math.log(self.init_scale - self.min_scale)
        self.log_scale = self.add_weight(shape=shape, initializer=keras.initializers.Constant(log_init), name="log_scale")

    def distribution(self):
        """The prior as a `tfd.MixtureSameFamily` with event `(latent_dim,)` and equal weights."""
        scale = self.min_scale + tf.exp(self.log_scale)
        return tfd.MixtureSameFamily(
            mixture_distribution=tfd.Categorical(logits=tf.zeros((self.num_components,), self.loc.dtype)),
            components_distribution=tfd.MultivariateNormalDiag(loc=self.loc, scale_diag=scale),
        )

    def set_components(self, loc, scale):
        """Assigns the components' means `(K, d)` and standard deviations `(K, d)`
        (floored at `min_scale`), e.g. from a Gaussian mixture fitted to posterior means.

        Raises:
            ValueError: `loc` or `scale` is not `(num_components, latent_dim)`.
        """
        shape = (self.num_components, self.latent_dim)
        loc, scale = np.asarray(loc, "float32"), np.asarray(scale, "float32")
        if loc.shape != shape or scale.shape != shape:
            raise ValueError(f"set_components needs loc and scale of shape {shape}, got {loc.shape} and {scale.shape}.")
        self.loc.assign(loc)
        # scale = min_scale + exp(log_scale); a scale at or below the floor maps to just above it.
        self.log_scale.assign(np.log(np.maximum(scale - self.min_scale, 1e-6 * self.min_scale)))

    def call(self, inputs=None):
        """Returns `distribution()`."""
        return self.distribution()

    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "num_components": self.num_components,
            "spread": self.spread,
            "init_scale": self.init_scale,
            "seed": self.seed,
            "min_scale": self.min_scale,
        }
