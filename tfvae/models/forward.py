"""What one ContrastiveVAE step computed, shared by its regularizers."""

import functools

import tensorflow as tf

from tfvae.models import elbo as elbo_lib


class ForwardPass:
    """The forward pass of one contrastive batch (thesis eq. 2.12 samples included).

    Built by `ContrastiveVAE` inside its train and test steps and handed to every
    regularizer, so that each piece is computed once per step: a regularizer
    that needs the salient posterior of the background examples (MMD,
    Wasserstein) triggers one encoder pass, the next reuses it.

    Attributes:
        model: the `ContrastiveVAE`.
        x_target: `(B_t, *input_shape)` checked target examples.
        x_background: `(B_b, *input_shape)` checked background examples.
        q_s, q_z: q(s|x_t) and q(z|x_t), batch `(B_t,)`.
        s, z: one reparameterized sample of each per target, `(B_t, d_s)` and `(B_t, d_z)`.
        q_z_background: q(z|x_b), batch `(B_b,)`.
        z_background: one sample per background example, `(B_b, d_z)`.
        training: bool.
    """

    def __init__(self, model, x_target, x_background, q_s, q_z, s, z, q_z_background, z_background, seed, training):
        self.model = model
        self.x_target, self.x_background = x_target, x_background
        self.q_s, self.q_z, self.s, self.z = q_s, q_z, s, z
        self.q_z_background, self.z_background = q_z_background, z_background
        self._seed = seed
        self.training = training

    @functools.cached_property
    def q_s_background(self):
        """q(s|x_b), the salient posterior of the background examples (one encoder pass)."""
        return self.model.salient_posterior(self.model.salient_encoder(self.model.encoder_input(self.x_background), training=self.training))

    @functools.cached_property
    def s_background(self):
        """One sample of q(s|x_b) per background example, `(B_b, d_s)`, with
        replica-invariant noise (`elbo.sample_posterior`)."""
        return elbo_lib.sample_posterior(self.q_s_background, 1, self.seed(0))[0]

    def salient_mean(self, x):
        """E[s|x] of a batch of inputs, `(N, d_s)`."""
        return self.model.salient_posterior(self.model.salient_encoder(self.model.encoder_input(x), training=self.training)).mean()

    def decode(self, s, z):
        """p(x | s, z) of latents `(N, d_s)` and `(N, d_z)`."""
        return self.model.decode(s, z, self.training)

    def decode_background(self, z):
        """p(x | 0, z) of background latents `(N, d_z)` (the decoder's s = 0 shortcut)."""
        return self.model._decode_background(z, self.training)

    def seed(self, index):
        """A stateless seed `(2,)` of this step for the regularizers' own noise;
        the same on every replica, distinct for each `index`."""
        return tf.random.experimental.stateless_fold_in(self._seed, index)
