"""Likelihood layers p(x|z): decoder parameters -> a distribution over one example.

Each layer also states its support, so that models can reject data the likelihood
cannot score (e.g. 1.7 under a Bernoulli) with a clear error.
"""

import keras
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from tfvae.layers.distribution_layer import DistributionLayer
from tfvae.layers.gradient_gate import gradient_gate
from tfvae.schedules import Ramp, Schedule

tfd = tfp.distributions


class Likelihood(DistributionLayer):
    """Base class of the likelihood layers.

    Subclasses set `support` (a human-readable description) and `bounds`, the
    interval the support lies in; one whose support is not a whole interval
    (counts) also overrides `in_support` and `batch_in_support`.

    `layers_add` answers a model's question about the data: whether a target is
    its background plus (or laid over) a foreground in the space of the values
    themselves, so that `x_t - b + x_b` is another target with the same foreground.
    Regularizers that assume it (`BackgroundSwapInvariance`) are in a model's
    default list only where it holds.
    """

    support = "finite real numbers"
    #: (lowest, highest) value the likelihood can score.
    bounds = (-np.inf, np.inf)
    #: Whether foreground and background combine by addition (or compositing) in data space.
    layers_add = True

    def encoder_input(self, x):
        """What a model's encoders read of data `x` this likelihood scores: `x` itself
        (count likelihoods: log1p of the counts)."""
        return x

    def in_support(self, x):
        """Returns a boolean tensor, True where `x` is a value the likelihood can score."""
        return tf.math.is_finite(x) & (x >= self.bounds[0]) & (x <= self.bounds[1])

    def batch_in_support(self, x, low, high):
        """Returns a boolean scalar: whether every finite value of `x` is in the
        support, given `low` and `high`, the batch's min and max (the input checks
        compute them once; finiteness is checked apart). Comparing the two
        scalars with `bounds` spares a pass over the batch in every step."""
        return (low >= self.bounds[0]) & (high <= self.bounds[1])


@keras.saving.register_keras_serializable(package="tfvae")
class Bernoulli(Likelihood):
    """p(x|z) = prod_i Bernoulli(x_i; sigmoid(logit_i)).

    Scoring grey values in [0, 1] gives the binary cross-entropy, which is not a
    normalized density for non-binary x; use `ContinuousBernoulli` for that.
    """

    support = "values in [0, 1]"
    bounds = (0.0, 1.0)

    def distribution(self, params):
        (logits,) = self._split_params(params)
        return self._independent(tfd.Bernoulli(logits=logits, dtype=logits.dtype))


@keras.saving.register_keras_serializable(package="tfvae")
class ContinuousBernoulli(Likelihood):
    """p(x|z) = prod_i CB(x_i; logit_i), a normalized density for grey values in [0, 1]
    (Loaiza-Ganem & Cunningham, 2019)."""

    support = "values in [0, 1]"
    bounds = (0.0, 1.0)

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


@keras.saving.register_keras_serializable(package="tfvae")
class LowRankNormal(Likelihood):
    """p(x|z) = N(vec(x); mu, sigma^2 I + W W^T): a Normal whose noise has, besides one
    learned sigma, a learned low-rank covariance W W^T shared by all examples.

    The noise is that of probabilistic PCA / factor analysis (Tipping & Bishop 1999):
    x = mu + W u + eps, u ~ N(0, I_rank), eps ~ N(0, sigma^2 I), with u integrated out
    exactly. The decoder predicts mu; W holds correlated variation that no latent
    explains, such as a background texture, so that the ELBO (eq. 2.7) does not
    reward the latents for encoding it. The log-density uses the Woodbury identity,
    O(D rank^2) per example for D values.

    Args:
        event_shape: tuple of ints. Shape of one example (D values in all).
        rank: int. Columns of W, 1 <= rank < D.
        fixed_scale: float. Initial sigma.
        min_scale: float. Lower bound on sigma.
        factor_stddev: float. Stddev of W's random normal start. Not 0: at W = 0 the
            gradient of the log-density with respect to W vanishes.
        seed: int. Seed of W's start.
        start: int or `tfvae.schedules.Schedule`. The optimizer step from which W
            learns (before it, W gets no gradient and stays near its start), or a
            schedule in [0, 1] that multiplies W's gradient. W pays no KL and can
            take the latents' place; a late start lets them form first. The
            models read it (`LatentVariableModel.scheduled`); in a
            `ContrastiveVAE` W learns from background examples only.
        **kwargs: passed to `keras.layers.Layer`.
    """

    def __init__(self, event_shape, rank, fixed_scale=0.1, min_scale=1e-3, factor_stddev=1e-3, seed=0, start=0,
                 **kwargs):
        super().__init__(event_shape, **kwargs)
        self.start = start if isinstance(start, Schedule) else _start_step(start)
        if not 1 <= int(rank) < self.event_size:
            raise ValueError(f"LowRankNormal: rank must lie in [1, {self.event_size}), got {rank}.")
        if fixed_scale <= min_scale or factor_stddev <= 0:
            raise ValueError(
                f"LowRankNormal: needs fixed_scale > min_scale and factor_stddev > 0, got {fixed_scale}, "
                f"{min_scale} and {factor_stddev}."
            )
        self.rank, self.seed = int(rank), int(seed)
        self.fixed_scale, self.min_scale, self.factor_stddev = float(fixed_scale), float(min_scale), float(factor_stddev)
        raw_init = float(tfp.math.softplus_inverse(self.fixed_scale - self.min_scale))
        self.raw_scale = self.add_weight(name="raw_scale", shape=(), initializer=keras.initializers.Constant(raw_init))
        self.factor = self.add_weight(  # W, (D, rank)
            name="factor",
            shape=(self.event_size, self.rank),
            initializer=keras.initializers.RandomNormal(stddev=self.factor_stddev, seed=self.seed),
        )

    def noise_variance(self):
        """sigma^2, a scalar tensor."""
        return tf.square(tf.math.softplus(self.raw_scale) + self.min_scale)

    def call(self, params, learn_factor=True):
        """The distribution for `(B, params_size)` parameters; `learn_factor` gates W's
        gradient (a bool, or a boolean tensor: `gradient_gate`)."""
        return self.distribution(params, learn_factor)

    def distribution(self, params, learn_factor=True):
        (loc,) = self._split_params(params)
        loc = tf.reshape(loc, (-1, self.event_size))  # (B, D)
        noise = tfd.MultivariateNormalDiagPlusLowRankCovariance(
            loc=loc,
            cov_diag_factor=tf.fill((self.event_size,), self.noise_variance()),
            cov_perturb_factor=gradient_gate(self.factor, learn_factor),
        )
        return tfd.TransformedDistribution(noise, tfp.bijectors.Reshape(self.event_shape, (self.event_size,)))

    def noise_mean(self, residuals):
        """E[W u | x] for residuals r = x - mu: W (W^T W + sigma^2 I)^-1 W^T r, the part
        of each residual the low-rank noise accounts for (held fixed: no gradient).

        Args:
            residuals: tensor `(B, *event_shape)`.

        Returns:
            Tensor `(B, *event_shape)`.
        """
        factor = tf.stop_gradient(self.factor)  # (D, rank)
        flat = tf.reshape(tf.cast(residuals, factor.dtype), (-1, self.event_size))  # (B, D)
        variance = tf.stop_gradient(self.noise_variance())
        capacitance = tf.matmul(factor, factor, transpose_a=True) + variance * tf.eye(self.rank)  # (rank, rank)
        projected = tf.matmul(factor, flat, transpose_a=True, transpose_b=True)  # W^T r, (rank, B)
        coefficients = tf.linalg.cholesky_solve(tf.linalg.cholesky(capacitance), projected)  # E[u | x], (rank, B)
        return tf.reshape(tf.matmul(coefficients, factor, transpose_a=True, transpose_b=True), tf.shape(residuals))

    def get_config(self):
        return {
            **super().get_config(),
            "rank": self.rank,
            "fixed_scale": self.fixed_scale,
            "min_scale": self.min_scale,
            "factor_stddev": self.factor_stddev,
            "seed": self.seed,
            "start": _serialize_start(self.start),
        }


def _start_step(start):
    """`Ramp(start=k)` (W learns from step k) from a step or a serialized schedule."""
    if isinstance(start, dict):
        return keras.saving.deserialize_keras_object(start)
    if isinstance(start, bool) or int(start) != start or start < 0:
        raise ValueError(f"LowRankNormal: start must be a step >= 0 or a Schedule, got {start!r}.")
    return Ramp(1.0, start=int(start))


def _serialize_start(start):
    if isinstance(start, Ramp) and start.value == 1.0 and start.duration == 0 and start.unit == "step":
        return start.start
    return keras.saving.serialize_keras_object(start)


#: Largest log-rate (log-mean) of the count likelihoods: exp(89) overflows float32
#: (-inf log-probabilities); exp(80) = 5.5e34 leaves room for the counts.
MAX_LOG_RATE = 80.0


class CountLikelihood(Likelihood):
    """Base of the count likelihoods: support is the non-negative integers. The
    decoder's log-rate is capped at `MAX_LOG_RATE`.

    Counts do not add as layers: a target-only program multiplies a gene's rate, and
    a cell's library size scales every gene, so `x_t - b + x_b` is no cell
    (`layers_add` is False).

    Args:
        event_shape: tuple of ints. Shape of one example.
        log_inputs: bool. Encoders read log1p(x) instead of raw counts (as scVI's
            do), so that a gene counted in thousands does not swamp the first
            layer. Files of tfvae 0.2 fed raw counts and load with False.
        **kwargs: passed to `keras.layers.Layer`.
    """

    support = "non-negative integers (counts)"
    bounds = (0.0, np.inf)
    layers_add = False

    def __init__(self, event_shape, log_inputs=True, **kwargs):
        super().__init__(event_shape, **kwargs)
        self.log_inputs = bool(log_inputs)

    def encoder_input(self, x):
        return tf.math.log1p(x) if self.log_inputs else x

    def get_config(self):
        return {**super().get_config(), "log_inputs": self.log_inputs}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.setdefault("log_inputs", False)  # a file of tfvae 0.2: its encoders read raw counts
        return cls(**config)

    def in_support(self, x):
        return super().in_support(x) & tf.equal(x, tf.round(x))

    def batch_in_support(self, x, low, high):
        return super().batch_in_support(x, low, high) & tf.reduce_all(tf.equal(x, tf.round(x)))


@keras.saving.register_keras_serializable(package="tfvae")
class Poisson(CountLikelihood):
    """p(x|z) = prod_i Poisson(x_i; exp(log_rate_i)), for tabular counts."""

    def distribution(self, params):
        (log_rate,) = self._split_params(params)
        return self._independent(tfd.Poisson(log_rate=tf.minimum(log_rate, MAX_LOG_RATE)))


@keras.saving.register_keras_serializable(package="tfvae")
class NegativeBinomial(CountLikelihood):
    """p(x|z) = prod_i NB(x_i; mean mu_i, dispersion r_i), for overdispersed counts.

    The decoder predicts log mu per example; the inverse dispersion r is learned per
    dimension and shared across examples (as in scVI). Var = mu + mu^2 / r.

    Args:
        event_shape: tuple of ints. Shape of one example.
        initial_dispersion: float. Initial r (large r approaches a Poisson).
        **kwargs: `log_inputs` (`CountLikelihood`) and `keras.layers.Layer` arguments.
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
        log_mean = tf.minimum(log_mean, MAX_LOG_RATE)
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
#: Names for configured Normal likelihoods (shared with the command line): a learned
#: scale starting at 0.1, one for all values, one per value or predicted per example.
NORMAL_SCALES = {"normal_global": "global", "normal_per_dimension": "per_dimension", "normal_predicted": "predicted"}
#: `"normal_low_rank"`: `LowRankNormal` of rank `rank` whose factor learns from the
#: share `start` of the training on (`Ramp(start=..., unit="fit")`: 500 of the 1,200
#: steps it was tuned with), on inputs of at least `min_values` values (a 16x16 image);
#: below that, the global-scale Normal (`"normal_global"`).
LOW_RANK = {"rank": 16, "min_values": 256, "start": 0.4}
NAMES = (*LIKELIHOODS, *NORMAL_SCALES, "normal_low_rank")


def get_likelihood(likelihood, event_shape, seed=None):
    """Returns a likelihood layer from a name in `NAMES` (or the layer itself).

    `"normal"` has scale 1; `"normal_global"`, `"normal_per_dimension"` and
    `"normal_predicted"` learn their scale from 0.1 (`Normal`); `"normal_low_rank"`
    is `LowRankNormal` of rank 16, learned from 40% of the training on, scale from 0.1, on inputs
    of 256 values or more, and `"normal_global"` on smaller ones, where a
    covariance of any rank takes a share of the input that the latents need.

    Args:
        likelihood: str or `Likelihood`.
        event_shape: tuple of ints. Shape of one example.
        seed: int or None. Seed of a `LowRankNormal` factor's start (None: 0).

    Raises:
        ValueError: an unknown name, or a layer of another event shape.
    """
    if isinstance(likelihood, Likelihood):
        if tuple(likelihood.event_shape) != tuple(event_shape):
            raise ValueError(
                f"likelihood event_shape {likelihood.event_shape} does not match the "
                f"model's input_shape {tuple(event_shape)}."
            )
        return likelihood
    if likelihood in LIKELIHOODS:
        return LIKELIHOODS[likelihood](event_shape)
    if likelihood in NORMAL_SCALES:
        return Normal(event_shape, scale=NORMAL_SCALES[likelihood], fixed_scale=0.1)
    if likelihood == "normal_low_rank":
        if int(np.prod(event_shape)) < LOW_RANK["min_values"]:
            return get_likelihood("normal_global", event_shape)
        start = Ramp(1.0, start=LOW_RANK["start"], unit="fit")
        return LowRankNormal(event_shape, LOW_RANK["rank"], fixed_scale=0.1, seed=seed or 0, start=start)
    raise ValueError(f"likelihood must be one of {list(NAMES)} or a Likelihood layer, got {likelihood!r}.")
