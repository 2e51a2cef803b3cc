"""The variational autoencoder (Kingma & Welling 2014; thesis section 2.6)."""

import keras
import tensorflow as tf

from tfvae.layers.likelihoods import get_likelihood
from tfvae.layers.posteriors import get_posterior
from tfvae.models import elbo as elbo_lib
from tfvae.models import legacy
from tfvae.models.base import LatentVariableModel
from tfvae.models.batches import unpack_x


@keras.saving.register_keras_serializable(package="tfvae")
class VAE(LatentVariableModel):
    """VAE with encoder q(z|x), decoder p(x|z) and prior p(z) = N(0, I).

    Training maximizes the average ELBO of eq. 2.8, each term estimated as in eq. 2.7:
    E_q[log p(x|z)] - beta * KL(q(z|x) || p(z)), with reparameterized samples of z
    (eq. 2.12) and minibatch gradients (eqs. 2.15-2.16). The KL is in closed form
    when TFP registers one, a Monte-Carlo estimate otherwise.

    Args:
        input_shape: tuple of ints. Shape of one example, e.g. `(28, 28, 1)` or `(30,)`.
        latent_dim: int. Dimension k of z.
        architecture: str. `"mlp"`, `"conv"` (images `(H, W, C)` only) or `"auto"`
            (conv for images whose sides divide by 4); ignored for a network
            passed as `encoder`/`decoder`.
        likelihood: str (`tfvae.layers.LIKELIHOOD_NAMES`, e.g. `"bernoulli"`,
            `"normal_global"`, `"negative_binomial"`) or a `tfvae.layers.Likelihood`.
        posterior: str or posterior layer. `"diag"` or `"full"` covariance.
        encoder: optional `keras.Model` mapping `(B, *input_shape)` to
            `(B, posterior.params_size())`.
        decoder: optional `keras.Model` mapping `(B, latent_dim)` to
            `(B, likelihood.params_size())`.
        network_kwargs: dict. Passed to the builders (`hidden_units` for mlp;
            `filters`, `kernel_size`, `strides`, `dense_units` for conv).
        analytic_kl: bool or None. None: closed form when available.
        **kwargs: `beta` (a float or a schedule), `num_samples`, `validate_inputs`,
            `seed` (see `LatentVariableModel`) and `keras.Model` arguments.
    """

    def __init__(
        self,
        input_shape,
        latent_dim,
        *,
        architecture="mlp",
        likelihood="bernoulli",
        posterior="diag",
        encoder=None,
        decoder=None,
        network_kwargs=None,
        analytic_kl=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self._track(("elbo", "reconstruction", "kl"))
        if int(latent_dim) < 1:
            raise ValueError(f"latent_dim must be a positive int, got {latent_dim}.")
        self.latent_dim = int(latent_dim)
        self._set_networks_options(input_shape, architecture, network_kwargs)
        self.custom_networks = {"encoder": encoder is not None, "decoder": decoder is not None}

        # Layers: distribution layers own the parameterization.
        self.posterior = get_posterior(posterior, self.latent_dim)
        self.likelihood = get_likelihood(likelihood, self.data_shape, self.seed)
        self.prior = elbo_lib.standard_normal_prior(self.latent_dim)
        self.encoder = self._encoder(encoder, self.posterior.params_size())
        self.decoder = self._decoder(decoder, self.latent_dim)
        if analytic_kl is None:
            analytic_kl = elbo_lib.has_analytic_kl(self.posterior(tf.zeros((1, self.posterior.params_size()))), self.prior)
        self.analytic_kl = bool(analytic_kl)
        self.built = True

    # -------------------------------------------------------------- the model
    def encode(self, x, training=False):
        """Returns the posterior q(z|x), a `tfd.Distribution` with batch `(B,)`, event `(k,)`."""
        x = self._prepare(x, self.data_shape, self.likelihood)
        return self.posterior(self.encoder(self.encoder_input(x), training=training))

    def decode(self, z, training=False):
        """Returns the likelihood p(x|z), batch `(B,)`, event `input_shape`."""
        z = tf.cast(z, tf.float32)  # the decoder autocasts under mixed precision
        return self._likelihood(self.decoder(z, training=training))

    def call(self, inputs, training=False):
        """Deterministic reconstruction: the likelihood mean at the posterior mean."""
        return self.decode(self.encode(unpack_x(inputs), training).mean(), training).mean()

    def _elbo_terms(self, x, training=False, num_samples=None, seed=None):
        """Per-example `reconstruction`, `kl` and `elbo` (eq. 2.7) for a prepared batch."""
        posterior = self.posterior(self.encoder(self.encoder_input(x), training=training))
        return elbo_lib.elbo_terms(
            x,
            posterior,
            self.prior,
            lambda z: self.decode(z, training),
            num_samples or self.num_samples,
            self.noise_seed(seed),
            analytic_kl=self.analytic_kl,
        )

    def _loss_terms(self, data, training):
        x = self._prepare(unpack_x(data), self.data_shape, self.likelihood)
        terms = self._elbo_terms(x, training)
        # Negative beta-ELBO, averaged over the minibatch (eq. 2.15).
        terms["loss"] = -tf.reduce_mean(terms["reconstruction"] - self.kl_weight() * terms["kl"])
        return terms

    # ------------------------------------------------------ user-facing API
    def elbo(self, x, num_samples=None, seed=None, batch_size=256, verbose=0):
        """Per-example ELBO in nats, shape `(N,)` (eq. 2.7; beta is not applied).

        Args:
            x: array `(N, *input_shape)` or a batched `tf.data.Dataset`.
            num_samples: int. MC samples per example (default: the model's).
            seed: int or None. Fix it for a reproducible estimate.
            batch_size: int. Examples per forward pass, at most
                `elbo.MAX_DECODES // num_samples` for arrays (memory does not grow
                with `num_samples` up to `MAX_DECODES`).
            verbose: 0 or 1. A progress bar over the examples (more than one batch).
        """
        num_samples = num_samples or self.num_samples
        elbo = lambda xb, s: self._elbo_terms(xb, num_samples=num_samples, seed=s)["elbo"]
        batch_size = elbo_lib.samples_batch(batch_size, num_samples)
        return tf.convert_to_tensor(self._per_batch(x, batch_size, elbo, seed, verbose))

    def log_likelihood(self, x, num_samples=100, seed=None, batch_size=64, verbose=1):
        """Per-example importance-weighted estimate of log p(x) (IWAE bound), `(N,)`.

        A lower bound that rises with `num_samples` toward log p(x). Each batch's
        samples are decoded a slice at a time (`elbo.iwae_bound`), so memory does not
        grow with `num_samples`.

        Args:
            x: array `(N, *input_shape)` or a batched `tf.data.Dataset`.
            num_samples: int. Importance samples K per example.
            seed: int or None. A fixed seed gives a fixed estimate.
            batch_size: int. Examples per forward pass.
            verbose: 0 or 1. A progress bar over the examples (more than one batch).
        """

        def bound(xb, s):
            posterior = self.posterior(self.encoder(self.encoder_input(xb)))
            return elbo_lib.iwae_bound(xb, posterior, self.prior, self.decode, num_samples, self.noise_seed(s))

        return tf.convert_to_tensor(self._per_batch(x, batch_size, bound, seed, verbose))

    def reconstruct(self, x, batch_size=256, verbose=0):
        """Likelihood mean at the posterior mean, shaped like `x` (`verbose`: a progress bar)."""
        mean = lambda xb, _: self.decode(self.posterior(self.encoder(self.encoder_input(xb))).mean()).mean()
        return tf.convert_to_tensor(self._per_batch(x, batch_size, mean, None, verbose))

    def sample(self, n, seed=None, mean=True):
        """Draws `n` examples from the model: z ~ p(z), then the likelihood's mean
        (`mean=True`) or a draw from it. Returns `(n, *input_shape)`."""
        z = self.prior.sample(int(n), seed=self.noise_seed(seed))
        likelihood = self.decode(z)
        if mean:
            return likelihood.mean()
        return likelihood.sample(seed=self.noise_seed(None if seed is None else seed + 1))

    # ------------------------------------------------------------- export
    def _export_endpoints(self):
        """`serve` (reconstruction), `encode` (posterior mean and stddev) and `decode`
        (likelihood mean) for `export`."""
        x_spec = tf.TensorSpec((None, *self.data_shape), tf.float32)
        z_spec = tf.TensorSpec((None, self.latent_dim), tf.float32)

        def encode(x):
            q = self.posterior(self.encoder(self.encoder_input(x)))
            return {"mean": q.mean(), "stddev": q.stddev()}

        return {
            "serve": (lambda x: self.call(x), [x_spec]),
            "encode": (encode, [x_spec]),
            "decode": (lambda z: self.decode(z).mean(), [z_spec]),
        }

    # ------------------------------------------------------------- config
    def get_config(self):
        serialize = keras.saving.serialize_keras_object
        return {
            **self._base_config(),
            "input_shape": list(self.data_shape),
            "latent_dim": self.latent_dim,
            "architecture": self.architecture,
            "likelihood": serialize(self.likelihood),
            "posterior": serialize(self.posterior),
            "encoder": serialize(self.encoder) if self.custom_networks["encoder"] else None,
            "decoder": serialize(self.decoder) if self.custom_networks["decoder"] else None,
            "network_kwargs": self.network_kwargs,
            "analytic_kl": self.analytic_kl,
        }

    @classmethod
    def from_config(cls, config):
        config = legacy.vae_config(config)
        return cls(**cls._deserialize(config, ("likelihood", "posterior", "encoder", "decoder")))
