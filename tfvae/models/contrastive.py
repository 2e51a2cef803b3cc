"""Contrastive VAE (Abid & Zou 2019): salient latents s for what only the target has,
background latents z for what target and background share."""

import keras
import tensorflow as tf
import tensorflow_probability as tfp

from tfvae.layers.likelihoods import get_likelihood
from tfvae.layers.posteriors import get_posterior
from tfvae.models import elbo as elbo_lib
from tfvae.models import decoders, legacy, presets, separation
from tfvae.models.base import LatentVariableModel
from tfvae.models.batches import unpack_pair, unpack_x
from tfvae.models.forward import ForwardPass

tfd = tfp.distributions
GROUP_TERMS = ("target_elbo", "target_reconstruction", "target_kl_salient", "target_kl_background",
               "background_elbo", "background_reconstruction", "background_kl")


@keras.saving.register_keras_serializable(package="tfvae")
class ContrastiveVAE(LatentVariableModel):
    """Contrastive VAE trained on batches `{"target": x_t, "background": x_b}`.

    Target examples have the ELBO of eq. 2.7 with both latents,
    E_q[log p(x|s, z)] - KL(q(s|x) || p(s)) - KL(q(z|x) || p(z)); background examples
    are decoded from z with s = 0 and carry no salient KL:
    E_q[log p(x|0, z)] - KL(q(z|x) || p(z)). The loss is the negative sum of the two
    batch means (KL weighted by `beta`) plus each regularizer's weighted penalty.

    The defaults are the `"recommended"` preset (`tfvae.models.presets`); the
    published methods are presets too: `ContrastiveVAE.from_preset(name, ...)`.

    Args:
        input_shape: tuple of ints. Shape of one example.
        salient_dim: int. Dimension of s.
        background_dim: int. Dimension of z.
        architecture: str. `"auto"` (conv for images whose sides divide by 4, mlp
            otherwise), `"mlp"` or `"conv"`, for the networks not given.
        likelihood: str (`tfvae.layers.LIKELIHOOD_NAMES`) or a `Likelihood` layer.
            The default `"normal_low_rank"` adds a noise covariance W W^T that
            learns from background examples only, from 40% of the training on
            (a share of the steps `fit` plans, whatever the data's size): background
            texture that no latent need encode; `separate` adds its posterior
            mean to the background.
        posterior: str. `"diag"` or `"full"`, for both q(s|x) and q(z|x).
        decoder: `"additive"` (likelihood parameters f_s(s) + f_z(z):
            `tfvae.networks.AdditiveDecoder`, a foreground laid on a background),
            `"joint"` (one network on [s, z], as Abid & Zou), `"layered"` (images:
            a background from z, a foreground and its mask from [s, z],
            `tfvae.networks.LayeredDecoder`), or a Keras network mapping
            `(B, salient_dim + background_dim)` to the parameters.
        salient_encoder: optional Keras network `(B, *input_shape)` ->
            `(B, posterior params)` for q(s|x).
        background_encoder: optional Keras network, the same for q(z|x).
        regularizers: list of `tfvae.models.regularizers.Regularizer`; None gives
            the recommended `[BackgroundSwapInvariance(100 / 784)]` (per input value)
            where the likelihood's data add as layers, and none for count
            likelihoods (`presets.default_regularizers`); `[]` none.
        network_kwargs: dict. Passed to the network builders.
        analytic_kl: bool or None. None: closed form when available.
        **kwargs: `beta`, `num_samples`, `validate_inputs`, `seed` and
            `keras.Model` arguments.
    """

    input_key = "target"

    def __init__(self, input_shape, salient_dim, background_dim, *, architecture="auto", likelihood="normal_low_rank",
                 posterior="diag", decoder="additive", salient_encoder=None, background_encoder=None,
                 regularizers=None, network_kwargs=None, analytic_kl=None, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("salient_dim", salient_dim), ("background_dim", background_dim)):
            if int(value) < 1:
                raise ValueError(f"{name} must be a positive int, got {value}.")
        self.salient_dim, self.background_dim = int(salient_dim), int(background_dim)
        self._set_networks_options(input_shape, architecture, network_kwargs)
        self.posterior_kind = posterior
        self.custom_networks = {"salient_encoder": salient_encoder is not None,
                                "background_encoder": background_encoder is not None,
                                "decoder": not isinstance(decoder, str)}
        # Layers: two posteriors, one likelihood over x given (s, z), three or four networks.
        self.salient_posterior = get_posterior(posterior, self.salient_dim)
        self.background_posterior = get_posterior(posterior, self.background_dim)
        self.likelihood = get_likelihood(likelihood, self.data_shape, self.seed)
        self.salient_prior = elbo_lib.standard_normal_prior(self.salient_dim)
        self.background_prior = elbo_lib.standard_normal_prior(self.background_dim)
        self.salient_encoder = self._encoder(salient_encoder, self.salient_posterior.params_size(), "salient_encoder")
        self.background_encoder = self._encoder(background_encoder, self.background_posterior.params_size(),
                                                "background_encoder")
        self.decoder_kind = decoder if isinstance(decoder, str) else None
        self.decoder = decoders.contrastive_decoder(self, decoder)
        self.regularizers = presets.default_regularizers(self.likelihood) if regularizers is None else list(regularizers)
        terms = [r.term for r in self.regularizers]
        if len(set(terms)) < len(terms):
            raise ValueError(f"regularizers log under one name each; got {terms}.")
        for regularizer in self.regularizers:
            regularizer.setup(self)
        if analytic_kl is None:
            q = self.salient_posterior(tf.zeros((1, self.salient_posterior.params_size())))
            analytic_kl = elbo_lib.has_analytic_kl(q, self.salient_prior)
        self.analytic_kl = bool(analytic_kl)
        own = tuple(name for r in self.regularizers for name in r.own_terms)
        self._track(GROUP_TERMS + tuple(terms) + own)
        self.built = True

    @classmethod
    def from_preset(cls, preset, input_shape, salient_dim, background_dim, /, **overrides):
        """The model of a named preset (`tfvae.models.presets.PRESETS`), with any
        constructor argument overridden, e.g. `from_preset("mm_cvae", (28, 28, 1), 2, 16)`."""
        return cls(input_shape, salient_dim, background_dim, **{**presets.preset_kwargs(preset), **overrides})

    # -------------------------------------------------------------- the model
    def encode(self, x, training=False):
        """Returns `(q(s|x), q(z|x))`, the salient and background posteriors."""
        return self._posteriors(self._prepare(x, self.data_shape, self.likelihood), training)

    def _posteriors(self, x, training=False):
        return (self.salient_posterior(self.salient_encoder(self.encoder_input(x), training=training)),
                self.background_posterior(self.background_encoder(self.encoder_input(x), training=training)))

    def decode(self, s, z, training=False):
        """Returns p(x|s, z); pass `s = 0` for the background alone."""
        sz = tf.concat([tf.cast(s, tf.float32), tf.cast(z, tf.float32)], axis=-1)  # (B, d_s + d_z)
        return self._likelihood(self.decoder(sz, training=training))

    def _decode_background(self, z, training=False, learn=True):
        """p(x | 0, z) of background latents `(N, d_z)`, as `decode(0, z)` but through
        the decoder's shortcut for s = 0 (`decoders.background_params`)."""
        return self._likelihood(decoders.background_params(self.decoder, self.salient_dim, z, training), learn)

    def _decode_joint(self, training, learn=True):
        """A decode function of concatenated `(N, d_s + d_z)` latents for the ELBO
        helpers; `learn=False` (target examples) holds a low-rank likelihood's factor."""
        return lambda sz: self._likelihood(self.decoder(sz, training=training), learn)

    def call(self, inputs, training=False):
        """Deterministic reconstruction of target examples (an array, or the
        `"target"` of a batch dict) from posterior means."""
        q_s, q_z = self.encode(unpack_x(inputs, self.input_key), training)
        return self.decode(q_s.mean(), q_z.mean(), training).mean()

    # ------------------------------------------------------------ objective
    def _target_terms(self, x, seed, training, num_samples=None):
        """ELBO terms of target examples with both latents, the samples `(S, B, d)`
        and the posteriors."""
        q_s, q_z = self._posteriors(x, training)
        seed_s, seed_z = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
        s = elbo_lib.sample_posterior(q_s, num_samples or self.num_samples, seed_s)  # (S, B, d_s)
        z = elbo_lib.sample_posterior(q_z, num_samples or self.num_samples, seed_z)  # (S, B, d_z)
        # A low-rank likelihood's factor learns from background examples only.
        rec = elbo_lib.expected_log_likelihood(x, tf.concat([s, z], -1), self._decode_joint(training, learn=False))
        kl_s = elbo_lib.kl_divergence(q_s, self.salient_prior, s, self.analytic_kl)
        kl_z = elbo_lib.kl_divergence(q_z, self.background_prior, z, self.analytic_kl)
        terms = {"target_reconstruction": rec, "target_kl_salient": kl_s, "target_kl_background": kl_z,
                 "target_elbo": rec - kl_s - kl_z}
        return terms, (s, z), (q_s, q_z)

    def _background_terms(self, x, seed, training):
        """ELBO terms of background examples, decoded with s = 0 and no salient KL."""
        q_z = self.background_posterior(self.background_encoder(self.encoder_input(x), training=training))
        z = elbo_lib.sample_posterior(q_z, self.num_samples, seed)  # (S, B, d_z)
        rec = elbo_lib.expected_log_likelihood(x, z, lambda z_: self._decode_background(z_, training))
        kl_z = elbo_lib.kl_divergence(q_z, self.background_prior, z, self.analytic_kl)
        return {"background_reconstruction": rec, "background_kl": kl_z, "background_elbo": rec - kl_z}, z, q_z

    def _loss_terms(self, data, training):
        x_t, x_b = unpack_pair(data)
        x_t = self._prepare(x_t, self.data_shape, self.likelihood, "target")
        x_b = self._prepare(x_b, self.data_shape, self.likelihood, "background")
        seeds = tf.unstack(tf.random.experimental.stateless_split(self.noise_seed(), 3))
        terms, (s, z), (q_s, q_z) = self._target_terms(x_t, seeds[0], training)
        background, z_b, q_z_b = self._background_terms(x_b, seeds[1], training)
        terms.update(background)
        w = self.kl_weight()
        loss = -tf.reduce_mean(terms["target_reconstruction"] - w * (terms["target_kl_salient"] + terms["target_kl_background"]))
        loss -= tf.reduce_mean(terms["background_reconstruction"] - w * terms["background_kl"])
        forward = ForwardPass(self, x_t, x_b, q_s, q_z, s[0], z[0], q_z_b, z_b[0], seeds[2], training)
        for regularizer in self.regularizers:
            terms[regularizer.term] = regularizer.penalty(forward)
            loss += self.scheduled(regularizer.weight) * terms[regularizer.term]
        terms["loss"], terms["_forward"] = loss, forward
        return terms

    def _trainable_for_loss(self):
        own = {id(v) for r in self.regularizers for v in r.own_trainable_variables}
        return [v for v in self.trainable_variables if id(v) not in own]

    def _auxiliary_step(self, terms):
        """Each regularizer's own step (e.g. TC's discriminator), after the model's update."""
        forward = terms.pop("_forward")
        return {k: v for r in self.regularizers for k, v in r.own_step(forward, training=True).items()}

    def test_step(self, data):
        """Held-out loss terms, and each regularizer's own terms on the batch."""
        terms = self._loss_terms(data, training=False)
        forward = terms.pop("_forward")
        for regularizer in self.regularizers:
            terms.update(regularizer.own_step(forward, training=False))
        return self._update_trackers(terms)

    # ------------------------------------------------------ user-facing API
    def salient_embedding(self, x, batch_size=256, verbose=0):
        """Posterior means of s, a numpy array `(N, salient_dim)` (`verbose`: a progress bar)."""
        return self._per_batch(x, batch_size, lambda xb, _: self._posteriors(xb)[0].mean(), None, verbose)

    def background_embedding(self, x, batch_size=256, verbose=0):
        """Posterior means of z, a numpy array `(N, background_dim)`."""
        return self._per_batch(x, batch_size, lambda xb, _: self._posteriors(xb)[1].mean(), None, verbose)

    def diagnose(self, target, background, seed=0):
        """Label-free scores of the separation on held-out targets and backgrounds,
        with a `UserWarning` for each sign of failure (`tfvae.diagnostics.diagnose`)."""
        from tfvae import diagnostics

        return diagnostics.diagnose(self, target, background, seed)

    def separate(self, x, batch_size=256, verbose=0):
        """Splits target examples into layers shaped like `x`: a dict of numpy arrays
        `"reconstruction"`, `"background"`, `"foreground"` and `"background_layer"`,
        with `foreground + background_layer == x`, and `"mask"` `(N, H, W, 1)` with
        `decoder="layered"` (`separation.image_layers`)."""
        split = lambda xb, _: self._separate_batch(xb)
        return self._per_batch(x, batch_size, split, None, verbose)

    def _separate_batch(self, x):
        """`separate` of one prepared batch, as tensors."""
        return separation.image_layers(self, x)

    def elbo(self, x, num_samples=None, seed=None, batch_size=256, verbose=0):
        """Per-example target ELBO with both latents, `(N,)` nats (beta not applied);
        arguments as `VAE.elbo`."""
        num_samples = num_samples or self.num_samples
        target_elbo = lambda xb, s: self._target_terms(xb, self.noise_seed(s), False, num_samples)[0]["target_elbo"]
        batch_size = elbo_lib.samples_batch(batch_size, num_samples)
        return tf.convert_to_tensor(self._per_batch(x, batch_size, target_elbo, seed, verbose))

    def log_likelihood(self, x, num_samples=100, seed=None, batch_size=64, verbose=1):
        """Per-example IWAE estimate of log p(x) with both latents, `(N,)`: a lower
        bound that rises with `num_samples` toward log p(x) (Burda et al. 2016).
        Arguments as `VAE.log_likelihood`."""

        def bound(xb, s):
            q = tfd.Blockwise(list(self._posteriors(xb)))  # q(s|x) q(z|x) over [s, z]
            prior = tfd.Blockwise([self.salient_prior, self.background_prior])
            return elbo_lib.iwae_bound(xb, q, prior, self._decode_joint(False), num_samples, self.noise_seed(s))

        return tf.convert_to_tensor(self._per_batch(x, batch_size, bound, seed, verbose))

    def sample(self, n, seed=None, mean=True):
        """Draws `n` target-like examples: s ~ p(s), z ~ p(z), then the likelihood's
        mean (`mean=True`) or a draw from it. Returns `(n, *input_shape)`."""
        seed_s, seed_z = tf.unstack(tf.random.experimental.stateless_split(self.noise_seed(seed), 2))
        likelihood = self.decode(self.salient_prior.sample(int(n), seed=seed_s),
                                 self.background_prior.sample(int(n), seed=seed_z))
        return likelihood.mean() if mean else likelihood.sample(seed=self.noise_seed(None if seed is None else seed + 1))

    # ---------------------------------------------------------------- export
    def _export_endpoints(self):
        """`serve` (reconstruction), `encode` (means and stddevs of both posteriors),
        `decode` (likelihood mean of `(s, z)`) and `separate` for `export`."""
        x_spec = tf.TensorSpec((None, *self.data_shape), tf.float32)
        s_spec = tf.TensorSpec((None, self.salient_dim), tf.float32)
        z_spec = tf.TensorSpec((None, self.background_dim), tf.float32)

        def encode(x):
            q_s, q_z = self._posteriors(x)
            return {"salient_mean": q_s.mean(), "salient_stddev": q_s.stddev(),
                    "background_mean": q_z.mean(), "background_stddev": q_z.stddev()}

        return {"serve": (lambda x: self.call(x), [x_spec]), "encode": (encode, [x_spec]),
                "decode": (lambda s, z: self.decode(s, z).mean(), [s_spec, z_spec]),
                "separate": (self._separate_batch, [x_spec])}

    # ------------------------------------------------------------- config
    def get_config(self):
        serialize = keras.saving.serialize_keras_object
        network = lambda role: serialize(getattr(self, role)) if self.custom_networks[role] else None
        return {
            **self._base_config(),
            "input_shape": list(self.data_shape),
            "salient_dim": self.salient_dim,
            "background_dim": self.background_dim,
            "architecture": self.architecture,
            "likelihood": serialize(self.likelihood),
            "posterior": self.posterior_kind,
            "decoder": network("decoder") or self.decoder_kind,
            "salient_encoder": network("salient_encoder"),
            "background_encoder": network("background_encoder"),
            "regularizers": [serialize(r) for r in self.regularizers],
            "network_kwargs": self.network_kwargs,
            "analytic_kl": self.analytic_kl,
        }

    @classmethod
    def from_config(cls, config):
        config = legacy.contrastive_config(config)
        config["regularizers"] = [keras.saving.deserialize_keras_object(r) for r in config["regularizers"]]
        return cls(**cls._deserialize(config, ("likelihood", "decoder", "salient_encoder", "background_encoder")))
