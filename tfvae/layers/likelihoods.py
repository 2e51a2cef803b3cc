"""Likelihood layers p(x|z): decoder parameters -> a distribution over one example.

Each layer also states its support, so that models can reject data the likelihood
cannot score (e.g. 1.7 under a Bernoulli) with a clear error.
"""

import keras
import tensorflow as tf
import tensorflow_probability as tfp

from tfvae.layers.distribution_layer import DistributionLayer

tfd = tfp.distributions


class Likelihood(DistributionLayer):
    """Base class of the likelihood layers.

    Subclasses set `support` (a human-readable description) and implement
    `in_support(x)` (an elementwise boolean tensor).
    """

    support = "finite real numbers"

    def in_support(self, x):
        """Returns a boolean tensor, True where `x` is a value the likelihood can score."""
        return tf.math.is_finite(x)


@keras.saving.register_keras_serializable(package="tfvae")
class Bernoulli(Likelihood):
    """p(x|z) = prod_i Bernoulli(x_i; sigmoid(logit_i)).

    Scoring grey values in [0, 1] gives the binary cross-entropy, which is not a
    normalized density for non-binary x; use `ContinuousBernoulli` for that.
    """

    support = "values in [0, 1]"

    def in_support(self, x):
        return (x >= 0.0) & (x <= 1.0)

    def distribution(self, params):
        (logits,) = self._split_params(params)
        return self._independent(tfd.Bernoulli(logits=logits, dtype=logits.dtype))


@keras.saving.register_keras_serializable(package="tfvae")
class ContinuousBernoulli(Likelihood):
    """p(x|z) = prod_i CB(x_i; logit_i), a normalized density for grey values in [0, 1]
    (Loaiza-Ganem & Cunningham, 2019)."""

    support = "values in [0, 1]"

    def in_support(self, x):
        return (x >= 0.0) & (x <= 1.0)

    def distribution(self, params):
        (logits,) = self._split_params(params)
        return self._independent(tfd.ContinuousBernoulli(logits=logits))


@keras.saving.register_keras_serializable(package="tfvae")
class Normal(Likelihood):
    """p(x|z) = prod_i N(x_i; mu_i, sigma_i^2) with one of four choices of sigma.

    Args:
        event_shape: tuple of ints. Shape of one example.
        scale: str. `"fixed"`: sigma = `fixed_scale`; `"global"`: one learned sigma
            shared by all dimensions; `"per_dimension"`: one learned sigma per
            dimension, shared by all examples; `"predicted"`: the decoder predicts
            sigma for every example and dimension (heteroscedastic).
        fixed_scale: float. sigma for `scale="fixed"`, initial sigma otherwise.
        min_scale: float. Lower bound on learned sigma.
        **kwargs: passed to `keras.layers.Layer`.
    """

    SCALES = ("fixed", "global", "per_dimension", "predicted")

    def __init__(self, event_shape, scale="fixed", fixed_scale=1.0, min_scale=1e-3, **kwargs):
        super().__init__(event_shape, **kwargs)
        if scale not in self.SCALES:
            raise ValueError(f"Normal: scale must be one of {self.SCALES}, got {scale!r}.")
        if fixed_scale <= 0:
            raise ValueError(f"Normal: fixed_scale must be positive, got {fixed_scale}.")
        self.scale = scale
        self.fixed_scale = float(fixed_scale)
        self.min_scale = float(min_scale)
        self.params_per_dim = 2 if scale == "predicted" else 1
        raw_init = float(tfp.math.softplus_inverse(self.fixed_scale - self.min_scale))
        shapes = {"global": (), "per_dimension": self.event_shape}
        self.raw_scale = None
        if scale in shapes:
            self.raw_scale = self.add_weight(
                name="raw_scale",
                shape=shapes[scale],
                initializer=keras.initializers.Constant(raw_init),
            )

    def _sigma(self, raw):
        return tf.math.softplus(raw) + self.min_scale

    def distribution(self, params):
        parts = self._split_params(params)
        loc = parts[0]  # (B, *event_shape)
        if self.scale == "predicted":
            sigma = self._sigma(parts[1])
        elif self.scale == "fixed":
            sigma = tf.fill(tf.shape(loc), tf.constant(self.fixed_scale, loc.dtype))
        else:
            sigma = tf.broadcast_to(self._sigma(tf.cast(self.raw_scale, loc.dtype)), tf.shape(loc))
        return self._independent(tfd.Normal(loc=loc, scale=sigma))

    def get_config(self):
        return {
            **super().get_config(),
            "scale": self.scale,
            "fixed_scale": self.fixed_scale,
            "min_scale": self.min_scale,
        }


class CountLikelihood(Likelihood):
    """Base of the count likelihoods: support is the non-negative integers."""

    support = "non-negative integers (counts)"

    def in_support(self, x):
        return (x >= 0.0) & tf.equal(x, tf.round(x))


@keras.saving.register_keras_serializable(package="tfvae")
class Poisson(CountLikelihood):
    """p(x|z) = prod_i Poisson(x_i; exp(log_rate_i)), for tabular counts."""

    def distribution(self, params):
        (log_rate,) = self._split_params(params)
        return self._independent(tfd.Poisson(log_rate=log_rate))


@keras.saving.register_keras_serializable(package="tfvae")
class NegativeBinomial(CountLikelihood):
    """p(x|z) = prod_i NB(x_i; mean mu_i, dispersion r_i), for overdispersed counts.

    The decoder predicts log mu per example; the inverse dispersion r is learned per
    dimension and shared across examples (as in scVI). Var = mu + mu^2 / r.

    Args:
        event_shape: tuple of ints. Shape of one example.
        initial_dispersion: float. Initial r (large r approaches a Poisson).
        **kwargs: passed to `keras.layers.Layer`.
    """

    def __init__(self, event_shape, initial_dispersion=10.0, **kwargs):
        super().__init__(event_shape, **kwargs)
        if initial_dispersion <= 0:
            raise ValueError(
                f"NegativeBinomial: initial_dispersion must be positive, got {initial_dispersion}."
            )
        self.initial_dispersion = float(initial_dispersion)
        self.log_dispersion = self.add_weight(
            name="log_dispersion",
            shape=self.event_shape,
            initializer=keras.initializers.Constant(float(tf.math.log(self.initial_dispersion))),
        )

    def distribution(self, params):
        (log_mean,) = self._split_params(params)
        log_r = tf.cast(self.log_dispersion, log_mean.dtype)
        # NB(total_count=r, logits=log mu - log r) has mean r * exp(logits) = mu.
        r = tf.broadcast_to(tf.exp(log_r), tf.shape(log_mean))
        return self._independent(tfd.NegativeBinomial(total_count=r, logits=log_mean - log_r))

    def get_config(self):
        return {**super().get_config(), "initial_dispersion": self.initial_dispersion}


LIKELIHOODS = {
    "bernoulli": Bernoulli,
    "continuous_bernoulli": ContinuousBernoulli,
    "normal": Normal,
    "poisson": Poisson,
    "negative_binomial": NegativeBinomial,
}


def get_likelihood(likelihood, event_shape):
    """Returns a likelihood layer from a name in `LIKELIHOODS` (or the layer itself)."""
    if isinstance(likelihood, Likelihood):
        if tuple(likelihood.event_shape) != tuple(event_shape):
            raise ValueError(
                f"likelihood event_shape {likelihood.event_shape} does not match the "
                f"model's input_shape {tuple(event_shape)}."
            )
        return likelihood
    if likelihood not in LIKELIHOODS:
        raise ValueError(
            f"likelihood must be one of {sorted(LIKELIHOODS)} or a Likelihood layer, got {likelihood!r}."
        )
    return LIKELIHOODS[likelihood](event_shape)
