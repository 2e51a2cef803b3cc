"""Contrastive VAE: salient latents s for what only the target has, background latents
z for what target and background share (Abid & Zou 2019), with optional TC (Abid &
Zou), MMD (MM-cVAE, Weinberger et al. 2022) and Wasserstein (contrastiveVI) penalties,
and two terms of our own: a background-swap invariance penalty and a clustering term
for a mixture salient prior.
"""

import keras
import numpy as np
import tensorflow as tf

from tfvae.layers.likelihoods import LowRankNormal, get_likelihood
from tfvae.layers.mixture_prior import MixturePrior
from tfvae.layers.posteriors import get_posterior
from tfvae.models import elbo as elbo_lib
from tfvae.models import regularizers
from tfvae.models.base import LatentVariableModel
from tfvae.models.batches import unpack_pair, unpack_x
from tfvae.models.replicas import paired_rows
from tfvae.networks.additive import AdditiveDecoder
from tfvae.networks.background_basis import BackgroundBasis
from tfvae.networks.residual_texture import ResidualTexture

DECODERS = ("joint", "additive")
INVARIANCE_SWAPS = ("target", "reconstruction")
# The networks `linear_skip` can name, by decoder kind.
NETWORKS = {
    "joint": ("salient_encoder", "background_encoder", "decoder"),
    "additive": ("salient_encoder", "background_encoder", "salient_decoder", "background_decoder"),
}
GROUP_TERMS = (
    "target_elbo",
    "target_reconstruction",
    "target_kl_salient",
    "target_kl_background",
    "background_elbo",
    "background_reconstruction",
    "background_kl",
)


@keras.saving.register_keras_serializable(package="tfvae")
class ContrastiveVAE(LatentVariableModel):
    """Contrastive VAE trained on batches `{"target": x_t, "background": x_b}`.

    Target examples have the ELBO of eq. 2.7 with both latents,
    E_q[log p(x|s, z)] - KL(q(s|x) || p(s)) - KL(q(z|x) || p(z)); background examples
    are decoded from z with s = 0 and carry no salient KL:
    E_q[log p(x|0, z)] - KL(q(z|x) || p(z)). The loss is the negative sum of the two
    batch means (KL weighted by beta and warm-up) plus the weighted regularizers.

    Args:
        input_shape: tuple of ints. Shape of one example.
        salient_dim: int. Dimension of s.
        background_dim: int. Dimension of z.
        architecture: str. `"mlp"` or `"conv"` for the three networks.
        likelihood: str or `Likelihood` layer, as for `VAE`. A
            `tfvae.layers.LowRankNormal` adds a noise covariance W W^T that learns
            from background examples only (as `background_basis` does, from
            `background_basis_start`): the background's texture, which then costs
            the target ELBO little, so the salient latents need not encode it, and
            `separate` adds its posterior mean to the background. W pays no KL
            and can take the latents' place: on mnist_on_grass (all ten digits,
            rank 64) learned from step 0 it kept both KLs below 1.3 nats for 6
            epochs, and from epoch 4 it emptied the background latents only; at
            rank 16 from epoch 4 they survived on 5 of 6 runs, and the foreground
            correlation rose by 0.12-0.15 (docs/separation_benchmark.md, "A
            low-rank background covariance").
        posterior: str. `"diag"` or `"full"`, for both q(s|x) and q(z|x).
        network_kwargs: dict. Passed to the network builders.
        tc_weight: float. Weight of the total-correlation penalty between s and z;
            > 0 adds a discriminator trained by its own Adam optimizer.
        mmd_weight: float. Weight of MMD(z_background, z_target) + MMD(s_background, 0).
        wasserstein_weight: float. Weight of the mean W2^2(q(s|x_background), delta_0).
        invariance_weight: float. Weight of the mean
            ||E[s|x_t] - E[s|x_t - b + x_b]||^2 (`regularizers.background_swap_penalty`),
            b = E[x | s = 0, z = E[z|x_t]] the target's decoded background, held
            fixed: a target's salient means should not move when its background is
            swapped for a background example's. It assumes targets are foreground +
            background (additive composites).
        invariance_relative: bool. Divide the invariance penalty by the spread of
            the targets' salient means over the batch (`relative=True` of
            `regularizers.background_swap_penalty`): a scale-free share that
            shrinking the salient space does not lower.
        invariance_swap: str. What the swap lays on the background example:
            `"target"`, x_t - b (the target minus its decoded background, which
            keeps the target's background texture that b misses), or
            `"reconstruction"`, E[x | s, z] - b at the posterior means (the decoded
            foreground alone), so that the penalty also asks the salient means to
            ignore the fine texture of the target's own background. Before the
            salient space forms the decoded foreground is empty, so the swap lays
            nothing on x_b and the penalty pulls targets' means onto background
            crops': from step 0 on mnist_on_grass (all ten digits) the salient KL
            stayed at 1.1 nats for 3 epochs. Hence `invariance_swap_start`.
        invariance_swap_start: int. With `"reconstruction"`, the training step
            from which the swap uses the reconstruction; before it, the target.
        invariance_temperature: float. 0: the squared form above; > 0: an InfoNCE
            form at this temperature (`regularizers.swap_contrast`): each target's
            means should lie nearer its own swapped image's than the batch's other
            targets' swapped images do (the other targets of the global batch
            are the negatives). Distances are divided by the salient spread with
            `invariance_relative`.
        cluster_weight: float. Weight of H(C | S) - H(C), minus the mutual
            information between the targets' salient means and their component of the
            mixture prior (`regularizers.negative_cluster_information`): each mean
            confidently in one component, the components used equally. Needs
            `salient_components > 1`.
        tc_hidden_units: tuple of ints. Hidden widths of the TC discriminator.
        tc_learning_rate: float. Learning rate of the discriminator's optimizer.
        mmd_bandwidths: tuple of floats. RBF bandwidths of the MMD kernel.
        decoder: str. `"joint"`: one network p(x | s, z) on the concatenated latents
            (Abid & Zou); `"additive"`: the likelihood parameters are
            f_s(s) + f_z(z), two networks of `architecture`
            (`tfvae.networks.AdditiveDecoder`), which suits a foreground added to
            a background: the foreground cannot depend on z.
        salient_components: int. 1: p(s) = N(0, I); K > 1: a learned mixture of K
            Gaussians (`tfvae.layers.MixturePrior`), for a foreground made of groups
            (e.g. digit classes), which a unimodal prior pulls together.
        linear_skip: tuple of str. Networks that get a linear map from their input
            added to their output (`tfvae.networks.with_linear_skip`), by name:
            `"salient_encoder"`, `"background_encoder"` and `"decoder"` (joint) or
            `"salient_decoder"` and `"background_decoder"` (additive);
            `network_kwargs={"linear_skip": True}` gives every network one. On
            mnist_on_grass a skip in the background decoder let the background
            latents draw the digits (docs/separation_benchmark.md, "Background MSE").
        background_basis: bool. Add `z V` to the decoder's output, a linear map of the
            background latents whose basis V learns from background examples only
            (`tfvae.networks.BackgroundBasis`): a linear model of the background
            data for fine textures a conv decoder blurs, which target examples use
            but cannot bend to draw their foreground. On mnist_on_grass (all ten
            digits) it lowered the background MSE and the salient ARI with it.
        background_encoder_basis: bool. Add `flatten(x) U` to q(z|x)'s parameters, a
            linear map of the input (`BackgroundBasis` again) that both groups
            train: with `background_basis`, the background path gets a linear
            encoder as well as a linear decoder, as PCA has. On mnist_on_grass
            (all ten digits, both from epoch 4, three seeds) it took the background
            MSE from 0.0175 to 0.0152 and the salient ARI from 0.133 to 0.093.
        background_basis_start: int. Training step from which V, U and a
            `LowRankNormal` likelihood's factor learn. Before it they get no
            gradient and stay at their start (zero for V and U, which add nothing):
            the salient space can form before the background path gets stronger.
        residual_components: int. 0: none; k > 0: a `tfvae.networks.ResidualTexture`,
            a probabilistic PCA with k components of what the decoder leaves out of
            background examples, which `fit_residual_texture` fits after training
            and `separate` adds to the reconstruction and the background (the
            foreground is unchanged). Training, the ELBO and the embeddings do not
            use it.
        analytic_kl: bool or None. None: closed form when available (the salient
            KL under a mixture prior is always the Monte-Carlo estimate).
        **kwargs: `beta`, `kl_warmup_steps`, `num_samples`, `validate_inputs`,
            `seed` and `keras.Model` arguments.
    """

    input_key = "target"

    def __init__(
        self,
        input_shape,
        salient_dim,
        background_dim,
        *,
        architecture="mlp",
        likelihood="bernoulli",
        posterior="diag",
        network_kwargs=None,
        tc_weight=0.0,
        mmd_weight=0.0,
        wasserstein_weight=0.0,
        invariance_weight=0.0,
        invariance_relative=False,
        invariance_swap="target",
        invariance_swap_start=0,
        invariance_temperature=0.0,
        cluster_weight=0.0,
        tc_hidden_units=(64, 64),
        tc_learning_rate=1e-3,
        mmd_bandwidths=regularizers.DEFAULT_BANDWIDTHS,
        decoder="joint",
        salient_components=1,
        linear_skip=(),
        background_basis=False,
        background_basis_start=0,
        background_encoder_basis=False,
        residual_components=0,
        analytic_kl=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for name, value in (("salient_dim", salient_dim), ("background_dim", background_dim)):
            if int(value) < 1:
                raise ValueError(f"{name} must be a positive int, got {value}.")
        weights = {"tc": tc_weight, "mmd": mmd_weight, "wasserstein": wasserstein_weight, "invariance": invariance_weight,
                   "cluster": cluster_weight}
        for name, value in weights.items():
            if value < 0:
                raise ValueError(f"{name}_weight must be >= 0, got {value}.")
        if decoder not in DECODERS:
            raise ValueError(f"decoder must be one of {DECODERS}, got {decoder!r}.")
        if isinstance(linear_skip, str):
            linear_skip = (linear_skip,)
        unknown = [name for name in linear_skip if name not in NETWORKS[decoder]]
        if unknown:
            raise ValueError(
                f"linear_skip: {unknown} name no network of decoder={decoder!r}; choose from {NETWORKS[decoder]}."
            )
        self.linear_skip = tuple(linear_skip)
        self.data_shape = tuple(int(d) for d in input_shape)
        self.salient_dim, self.background_dim = int(salient_dim), int(background_dim)
        self.architecture = architecture
        self.network_kwargs = dict(network_kwargs or {})
        self.posterior_kind = posterior
        self.tc_weight, self.mmd_weight = float(tc_weight), float(mmd_weight)
        self.wasserstein_weight, self.invariance_weight = float(wasserstein_weight), float(invariance_weight)
        self.invariance_relative = bool(invariance_relative)
        if invariance_swap not in INVARIANCE_SWAPS:
            raise ValueError(f"invariance_swap must be one of {INVARIANCE_SWAPS}, got {invariance_swap!r}.")
        self.invariance_swap = invariance_swap
        if int(invariance_swap_start) < 0 or (invariance_swap_start and invariance_swap != "reconstruction"):
            raise ValueError(
                f"invariance_swap_start must be >= 0 and needs invariance_swap='reconstruction', got {invariance_swap_start}."
            )
        self.invariance_swap_start = int(invariance_swap_start)
        if float(invariance_temperature) < 0:
            raise ValueError(f"invariance_temperature must be >= 0, got {invariance_temperature}.")
        self.invariance_temperature = float(invariance_temperature)
        self.cluster_weight = float(cluster_weight)
        self.tc_hidden_units = tuple(int(u) for u in tc_hidden_units)
        self.tc_learning_rate = float(tc_learning_rate)
        self.mmd_bandwidths = tuple(float(h) for h in mmd_bandwidths)

        # Layers: two posteriors, one likelihood over x given (s, z).
        self.salient_posterior = get_posterior(posterior, self.salient_dim)
        self.background_posterior = get_posterior(posterior, self.background_dim)
        self.likelihood = get_likelihood(likelihood, self.data_shape)
        if int(salient_components) < 1:
            raise ValueError(f"salient_components must be a positive int, got {salient_components}.")
        self.salient_components = int(salient_components)
        if self.cluster_weight > 0 and self.salient_components < 2:
            raise ValueError("cluster_weight > 0 needs a mixture salient prior: salient_components >= 2.")
        self.salient_mixture = None
        if self.salient_components > 1:
            self.salient_mixture = MixturePrior(
                self.salient_dim, self.salient_components, seed=0 if self.seed is None else self.seed, name="salient_mixture"
            )
        self._salient_normal = elbo_lib.standard_normal_prior(self.salient_dim)
        self.background_prior = elbo_lib.standard_normal_prior(self.background_dim)
        self.salient_encoder = self._encoder(None, self.salient_posterior.params_size(), "salient_encoder")
        self.background_encoder = self._encoder(None, self.background_posterior.params_size(), "background_encoder")
        self.decoder_kind = decoder
        self.decoder = self._build_decoder()
        self.background_basis = None
        low_rank = isinstance(self.likelihood, LowRankNormal)
        if int(background_basis_start) < 0 or (
            background_basis_start and not (background_basis or background_encoder_basis or low_rank)
        ):
            raise ValueError(
                "background_basis_start must be >= 0 and needs background_basis, background_encoder_basis or a "
                f"LowRankNormal likelihood, got {background_basis_start}."
            )
        self.background_basis_start = int(background_basis_start)
        if background_basis:
            self.background_basis = BackgroundBasis(self.likelihood.params_size(), name="background_basis")
            self.background_basis.build((None, self.background_dim))
        self.background_encoder_basis = None
        if background_encoder_basis:
            size = self.background_posterior.params_size()
            self.background_encoder_basis = BackgroundBasis(size, name="background_encoder_basis")
            self.background_encoder_basis.build((None, int(np.prod(self.data_shape))))
        self.residual_texture = None
        if int(residual_components) < 0 or (residual_components and low_rank):
            raise ValueError(
                f"residual_components must be >= 0, and 0 with a LowRankNormal likelihood (its factor already "
                f"models the residual texture), got {residual_components}."
            )
        if residual_components:
            size = int(np.prod(self.data_shape))
            self.residual_texture = ResidualTexture(size, int(residual_components), name="residual_texture")
            self.residual_texture.build()
        if analytic_kl is None:
            q = self.salient_posterior(tf.zeros((1, self.salient_posterior.params_size())))
            analytic_kl = elbo_lib.has_analytic_kl(q, self._salient_normal)
        self.analytic_kl = bool(analytic_kl)

        # The TC discriminator and its own optimizer exist only when used.
        self.discriminator = self.tc_optimizer = None
        if self.tc_weight > 0:
            self.discriminator = regularizers.TCDiscriminator(self.tc_hidden_units, name="tc_discriminator")
            self.discriminator.build((None, self.salient_dim + self.background_dim))
            self.tc_optimizer = keras.optimizers.Adam(self.tc_learning_rate, name="tc_optimizer")
            self.tc_optimizer.build(self.discriminator.trainable_variables)

        active = [name for name, w in weights.items() if w > 0]
        self._track(GROUP_TERMS + tuple(active) + (("tc_discriminator_loss",) if tc_weight > 0 else ()))
        self.built = True

    def _network_kwargs_for(self, role):
        """`network_kwargs`, with `linear_skip=True` for the networks `linear_skip` names."""
        if role in self.linear_skip:
            return {**self.network_kwargs, "linear_skip": True}
        return self.network_kwargs

    def _build_decoder(self):
        """p(x | s, z)'s network on `[s, z]`: joint, or additive over the two blocks."""
        latent_dim = self.salient_dim + self.background_dim
        if self.decoder_kind == "joint":
            return self._decoder(None, latent_dim)
        salient = self._decoder(None, self.salient_dim, "salient_decoder")
        background = self._decoder(None, self.background_dim, "background_decoder")
        return self._decoder(AdditiveDecoder(self.salient_dim, salient, background, name="decoder"), latent_dim)

    @property
    def salient_prior(self):
        """p(s): N(0, I), or the learned mixture when `salient_components > 1`."""
        return self._salient_normal if self.salient_mixture is None else self.salient_mixture.distribution()

    # -------------------------------------------------------------- the model
    def encode(self, x, training=False):
        """Returns `(q(s|x), q(z|x))`, the salient and background posteriors."""
        x = self._prepare(x, self.data_shape, self.likelihood)
        return self._posteriors(x, training)

    def _posteriors(self, x, training=False):
        return (
            self.salient_posterior(self.salient_encoder(x, training=training)),
            self.background_posterior(self._background_parameters(x, training)),
        )

    def _background_parameters(self, x, training):
        """q(z|x)'s parameters: the background encoder's, plus `flatten(x) U` with
        `background_encoder_basis`."""
        params = self.background_encoder(x, training=training)
        if self.background_encoder_basis is not None:
            flat = tf.reshape(x, (tf.shape(x)[0], -1))  # (B, prod(input_shape))
            params = tf.cast(params, tf.float32) + self.background_encoder_basis(flat, learn=self._background_learns(True))
        return params

    def _background_learns(self, learn):
        """Whether the background's linear parts (V, U and a `LowRankNormal`
        likelihood's factor W) learn from this pass: False for target examples
        (`learn=False`), and only from step `background_basis_start` on. Before it they
        get no gradient, so V and U stay at their zero start and add nothing (nor
        would a gradient to their inputs, through zero weights, be other than 0) and
        W at its small random start; the forward value is the same at every step,
        whatever the optimizer state of a loaded model.

        Returns:
            A Python bool, or a boolean tensor read in the graph (no retracing when
            it switches on), for `tfvae.layers.gradient_gate`.
        """
        started = self._reached(self.background_basis_start) if learn else None
        return bool(learn) if started is None else started

    def _reached(self, step):
        """Whether training has reached `step`, a boolean tensor read in the graph (no
        retracing when it turns true); None when it always has (step 0, or no optimizer)."""
        if not step or self.optimizer is None:
            return None
        return self.optimizer.iterations >= step

    def decode(self, s, z, training=False):
        """Returns p(x|s, z); pass `s = 0` for the background alone."""
        sz = tf.concat([tf.cast(s, tf.float32), tf.cast(z, tf.float32)], axis=-1)  # (B, d_s + d_z)
        return self._likelihood(self._likelihood_parameters(sz, training), learn=True)

    def _likelihood_parameters(self, sz, training, learn_basis=True):
        """The decoder's output on `(N, d_s + d_z)` latents, plus `z V` with a background basis."""
        params = self.decoder(sz, training=training)
        if self.background_basis is not None:
            params += self.background_basis(sz[:, self.salient_dim :], learn=self._background_learns(learn_basis))
        return params

    def _likelihood(self, params, learn):
        """p(x | s, z) of decoder parameters; a `LowRankNormal`'s factor W learns as the
        background basis does (`_background_learns`): a covariance of the background
        data, which target examples use but cannot bend toward their foreground."""
        if isinstance(self.likelihood, LowRankNormal):
            return self.likelihood(params, learn_factor=self._background_learns(learn))
        return self.likelihood(params)

    def _decode_joint(self, training, learn_basis=True):
        """A decode function of concatenated `(N, d_s + d_z)` latents, for the ELBO
        helpers; `learn_basis=False` (target examples) holds the background basis and
        a low-rank likelihood's factor fixed."""
        return lambda sz: self._likelihood(self._likelihood_parameters(sz, training, learn_basis), learn_basis)

    def call(self, inputs, training=False):
        """Deterministic reconstruction of target examples (an array, or the
        `"target"` of a batch dict) from posterior means."""
        q_s, q_z = self.encode(unpack_x(inputs, self.input_key), training)
        return self.decode(q_s.mean(), q_z.mean(), training).mean()

    # ------------------------------------------------------------ objective
    def _target_terms(self, x, seed, training, num_samples=None):
        """ELBO terms of target examples with both latents; also returns one sample
        `(s, z)` per example and the posteriors `(q(s|x), q(z|x))`."""
        num_samples = num_samples or self.num_samples
        q_s, q_z = self._posteriors(x, training)
        seed_s, seed_z = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
        s = elbo_lib.sample_posterior(q_s, num_samples, seed_s)  # (S, B, d_s)
        z = elbo_lib.sample_posterior(q_z, num_samples, seed_z)  # (S, B, d_z)
        # The background basis learns from background examples only.
        rec = elbo_lib.expected_log_likelihood(x, tf.concat([s, z], -1), self._decode_joint(training, learn_basis=False))
        # A mixture prior has no closed-form KL: the Monte-Carlo estimate (eq. 2.14).
        kl_s = elbo_lib.kl_divergence(q_s, self.salient_prior, s, self.analytic_kl and self.salient_mixture is None)
        kl_z = elbo_lib.kl_divergence(q_z, self.background_prior, z, self.analytic_kl)
        terms = {
            "target_reconstruction": rec,
            "target_kl_salient": kl_s,
            "target_kl_background": kl_z,
            "target_elbo": rec - kl_s - kl_z,
        }
        return terms, (s[0], z[0]), (q_s, q_z)

    def _background_terms(self, x, seed, training):
        """ELBO terms of background examples: decoded with s = 0, no salient KL."""
        q_z = self.background_posterior(self._background_parameters(x, training))
        z = elbo_lib.sample_posterior(q_z, self.num_samples, seed)  # (S, B, d_z)
        s = tf.zeros(tf.concat([tf.shape(z)[:2], [self.salient_dim]], 0), z.dtype)
        rec = elbo_lib.expected_log_likelihood(x, tf.concat([s, z], -1), self._decode_joint(training))
        kl_z = elbo_lib.kl_divergence(q_z, self.background_prior, z, self.analytic_kl)
        terms = {"background_reconstruction": rec, "background_kl": kl_z, "background_elbo": rec - kl_z}
        return terms, z[0]

    def _loss_terms(self, data, training):
        x_t, x_b = unpack_pair(data)
        x_t = self._prepare(x_t, self.data_shape, self.likelihood, "target")
        x_b = self._prepare(x_b, self.data_shape, self.likelihood, "background")
        seeds = tf.unstack(tf.random.experimental.stateless_split(self.noise_seed(), 4))
        terms, (s_t, z_t), (q_s, q_z) = self._target_terms(x_t, seeds[0], training)
        background, z_b = self._background_terms(x_b, seeds[1], training)
        terms.update(background)
        w = self.kl_weight()
        loss = -tf.reduce_mean(terms["target_reconstruction"] - w * (terms["target_kl_salient"] + terms["target_kl_background"]))
        loss -= tf.reduce_mean(terms["background_reconstruction"] - w * terms["background_kl"])
        loss += self._regularizer_terms(terms, x_t, x_b, (s_t, z_t, z_b), (q_s, q_z), seeds[2:], training)
        terms["loss"] = loss
        return terms

    def _regularizer_terms(self, terms, x_t, x_b, samples, target_posteriors, seeds, training):
        """Adds each active regularizer to `terms`; returns their weighted sum.

        `samples` is `(s_t, z_t, z_b)`, one draw per example; `target_posteriors` is
        `(q(s|x_t), q(z|x_t))`."""
        (s_t, z_t, z_b), (q_s, q_z) = samples, target_posteriors
        total = tf.constant(0.0)
        if self.mmd_weight or self.wasserstein_weight:
            q_s_b = self.salient_posterior(self.salient_encoder(x_b, training=training))
        if self.mmd_weight:
            s_b = elbo_lib.sample_posterior(q_s_b, 1, seeds[0])[0]  # (B_b, d_s), replica-invariant noise
            terms["mmd"] = regularizers.mmd(z_b, z_t, self.mmd_bandwidths) + regularizers.mmd(
                s_b, tf.zeros_like(s_b), self.mmd_bandwidths
            )
            total += self.mmd_weight * terms["mmd"]
        if self.wasserstein_weight:
            terms["wasserstein"] = tf.reduce_mean(regularizers.squared_w2_to_origin(q_s_b))
            total += self.wasserstein_weight * terms["wasserstein"]
        if self.invariance_weight:
            salient_mean = lambda x: self.salient_posterior(self.salient_encoder(x, training=training)).mean()
            decoded_background = self.decode(tf.zeros_like(q_s.mean()), q_z.mean(), training).mean()  # (B_t, ...)
            source = None
            if self.invariance_swap == "reconstruction":
                reconstruction = lambda: tf.cast(self.decode(q_s.mean(), q_z.mean(), training).mean(), x_t.dtype)
                started = self._reached(self.invariance_swap_start)
                # Before the start step the target itself, and no decoder pass for E[x|s,z].
                source = reconstruction() if started is None else tf.cond(started, reconstruction, lambda: x_t)
            # Target i of the global batch gets background i mod B_b, whatever the replicas.
            paired = paired_rows(x_b, tf.shape(x_t)[0])  # (B_t, ...)
            penalty = regularizers.background_swap_penalty(
                salient_mean, x_t, decoded_background, paired, q_s.mean(), relative=self.invariance_relative,
                swap_source=source, temperature=self.invariance_temperature,
            )
            terms["invariance"] = tf.reduce_mean(penalty)
            total += self.invariance_weight * terms["invariance"]
        if self.cluster_weight:
            log_r = regularizers.component_log_responsibilities(q_s.mean(), self.salient_prior)
            terms["cluster"] = regularizers.negative_cluster_information(log_r)
            total += self.cluster_weight * terms["cluster"]
        if self.tc_weight:
            joint = tf.concat([s_t, z_t], axis=-1)
            terms["tc"] = regularizers.total_correlation(self.discriminator, joint)
            total += self.tc_weight * terms["tc"]
            # Detached samples for the discriminator's own step (_auxiliary_step).
            terms["_tc_joint"] = tf.stop_gradient(joint)
            terms["_tc_product"] = tf.stop_gradient(regularizers.permute_dims(s_t, z_t, seeds[1]))
        return total

    def _trainable_for_loss(self):
        if self.discriminator is None:
            return self.trainable_variables
        excluded = {id(v) for v in self.discriminator.trainable_variables}
        return [v for v in self.trainable_variables if id(v) not in excluded]

    def _auxiliary_step(self, terms):
        """Trains the TC discriminator with its own optimizer, in alternation with the VAE."""
        if self.discriminator is None:
            return {}
        joint, product = terms.pop("_tc_joint"), terms.pop("_tc_product")
        loss = self.minimize(
            self.tc_optimizer,
            lambda: regularizers.discriminator_loss(self.discriminator, joint, product),
            self.discriminator.trainable_variables,
        )
        return {"tc_discriminator_loss": loss}

    def test_step(self, data):
        """Held-out loss terms, and the TC discriminator's loss on the batch."""
        terms = self._loss_terms(data, training=False)
        if self.discriminator is not None:
            terms["tc_discriminator_loss"] = regularizers.discriminator_loss(
                self.discriminator, terms.pop("_tc_joint"), terms.pop("_tc_product")
            )
        return self._update_trackers(terms)

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

        return {
            "serve": (lambda x: self.call(x), [x_spec]),
            "encode": (encode, [x_spec]),
            "decode": (lambda s, z: self.decode(s, z).mean(), [s_spec, z_spec]),
            "separate": (self._separate_batch, [x_spec]),
        }

    # ------------------------------------------------------ user-facing API
    def salient_embedding(self, x, batch_size=256):
        """Posterior means of s, a numpy array `(N, salient_dim)`."""
        return self._per_batch(x, batch_size, lambda xb, _: self._posteriors(xb)[0].mean(), None).numpy()

    def background_embedding(self, x, batch_size=256):
        """Posterior means of z, a numpy array `(N, background_dim)`."""
        return self._per_batch(x, batch_size, lambda xb, _: self._posteriors(xb)[1].mean(), None).numpy()

    def separate(self, x, batch_size=256):
        """Splits target examples into background and foreground, each shaped like `x`.

        Returns:
            Dict of numpy arrays: `"reconstruction"` (mean of p(x|s, z) at the
            posterior means), `"background"` (mean of p(x|0, z)), `"foreground"`
            (reconstruction - background) and `"background_layer"` (x -
            foreground: the background with the detail of x that the decoder
            leaves out, so that `foreground + background_layer == x`, as two
            layers of an image). With a fitted residual texture, its
            posterior mean for the residual x - reconstruction is added to both
            the reconstruction and the background; with a `LowRankNormal`
            likelihood, its `noise_mean` of that residual (the low-rank noise is
            the background's, as its factor learns from background examples only).
        """
        split = lambda xb, _: self._separate_batch(xb)
        return {k: v.numpy() for k, v in self._per_batch(x, batch_size, split, None).items()}

    def _separate_batch(self, x):
        """`separate` of one prepared batch, as tensors."""
        q_s, q_z = self._posteriors(x)
        s, z = q_s.mean(), q_z.mean()
        reconstruction = self.decode(s, z).mean()
        background = self.decode(tf.zeros_like(s), z).mean()
        foreground = reconstruction - background
        residual = tf.cast(x, reconstruction.dtype) - reconstruction
        texture = None
        if self.residual_texture is not None:
            texture = self.residual_texture(residual)
        elif isinstance(self.likelihood, LowRankNormal):
            texture = self.likelihood.noise_mean(residual)
        if texture is not None:
            reconstruction, background = reconstruction + texture, background + texture
        layer = tf.cast(x, foreground.dtype) - foreground
        return {"reconstruction": reconstruction, "background": background, "foreground": foreground,
                "background_layer": layer}

    def with_residual_texture(self, components):
        """A copy of this model (same weights) with an unfitted residual texture of
        `components` directions, for a model trained without one."""
        copy = type(self).from_config({**self.get_config(), "residual_components": int(components)})
        skip = lambda model: {id(v) for v in model.residual_texture.weights} if model.residual_texture else set()
        source = [v for v in self.weights if id(v) not in skip(self)]
        target = [v for v in copy.weights if id(v) not in skip(copy)]
        for old, new in zip(source, target, strict=True):  # the same layers, built in the same order
            new.assign(old)
        return copy

    def fit_residual_texture(self, x_background, batch_size=256, seed=0):
        """Fits the residual texture to background examples, after training.

        The residuals are x_b - E[x | s = 0, z = E[z|x_b]], what the decoder leaves out
        of background examples as they are decoded in training (s = 0).

        Args:
            x_background: background examples, an array `(N, *input_shape)` or a
                batched `tf.data.Dataset` (N > `residual_components`).
            batch_size: int. Batch size of the encoder and decoder passes.
            seed: int. Seed of the randomized SVD (large inputs).

        Returns:
            The PPCA noise variance sigma^2, the residual variance per value left
            outside the k directions.

        Raises:
            ValueError: the model has no residual texture (`residual_components=0`).
        """
        if self.residual_texture is None:
            raise ValueError("fit_residual_texture needs a model built with residual_components > 0.")

        def residual(xb, _):
            z = self._posteriors(xb)[1].mean()
            background = self.decode(tf.zeros((tf.shape(z)[0], self.salient_dim)), z).mean()
            return tf.cast(xb, background.dtype) - background

        return self.residual_texture.fit(self._per_batch(x_background, batch_size, residual, None).numpy(), seed=seed)

    def elbo(self, x, num_samples=None, seed=None, batch_size=256):
        """Per-example target ELBO with both latents, `(N,)` nats (beta not applied)."""

        def target_elbo(xb, s):
            return self._target_terms(xb, self.noise_seed(s), False, num_samples)[0]["target_elbo"]

        return self._per_batch(x, batch_size, target_elbo, seed)

    # ------------------------------------------------------------- config
    def get_config(self):
        return {
            **self._base_config(),
            "input_shape": list(self.data_shape),
            "salient_dim": self.salient_dim,
            "background_dim": self.background_dim,
            "architecture": self.architecture,
            "likelihood": keras.saving.serialize_keras_object(self.likelihood),
            "posterior": self.posterior_kind,
            "network_kwargs": self.network_kwargs,
            "tc_weight": self.tc_weight,
            "mmd_weight": self.mmd_weight,
            "wasserstein_weight": self.wasserstein_weight,
            "invariance_weight": self.invariance_weight,
            "invariance_relative": self.invariance_relative,
            "invariance_swap": self.invariance_swap,
            "invariance_swap_start": self.invariance_swap_start,
            "invariance_temperature": self.invariance_temperature,
            "cluster_weight": self.cluster_weight,
            "tc_hidden_units": list(self.tc_hidden_units),
            "tc_learning_rate": self.tc_learning_rate,
            "mmd_bandwidths": list(self.mmd_bandwidths),
            "decoder": self.decoder_kind,
            "salient_components": self.salient_components,
            "linear_skip": list(self.linear_skip),
            "background_basis": self.background_basis is not None,
            "background_basis_start": self.background_basis_start,
            "background_encoder_basis": self.background_encoder_basis is not None,
            "residual_components": 0 if self.residual_texture is None else self.residual_texture.components,
            "analytic_kl": self.analytic_kl,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**cls._deserialize(config, ("likelihood",)))
