"""What the callbacks need from a model, behind one interface: its named latent
groups, their posteriors and priors, decoding, and (if it has one) the separation.

`latent_view(model)` is the one place that knows the model classes; the callbacks
only see `LatentView`.
"""

import numpy as np
import tensorflow as tf

from tfvae.models import VAE, ContrastiveVAE


class LatentView:
    """Base of the model views.

    Args:
        model: the model viewed.
    """

    #: Names of the latent groups; the first is the primary one (traversed, exported).
    groups = ()

    def __init__(self, model):
        self.model = model

    @property
    def primary(self):
        """The name of the primary latent group."""
        return self.groups[0]

    def posteriors(self, x):
        """Returns a dict group -> posterior `tfd.Distribution`, batch `(B,)`, event `(k_g,)`."""
        raise NotImplementedError

    def priors(self):
        """Returns a dict group -> prior `tfd.Distribution`, event `(k_g,)`."""
        raise NotImplementedError

    def decode(self, latents):
        """Returns the likelihood mean `(B, *input_shape)` (numpy) at a dict group -> `(B, k_g)`."""
        raise NotImplementedError

    def separate(self, x):
        """The model's separation of `x` (see `ContrastiveVAE.separate`), or None."""
        return None

    def posterior_moments(self, x, batch_size=256):
        """Posterior means and (marginal) stddevs of examples, encoded in batches.

        Args:
            x: array `(N, *input_shape)`.
            batch_size: int. Examples per forward pass.

        Returns:
            Dict group -> `(mean, stddev)`, numpy arrays `(N, k_g)`; for a
            full-covariance posterior the stddevs are the marginal ones,
            sqrt(diag(Sigma)).
        """
        parts = []
        for start in range(0, len(x), batch_size):
            q = self.posteriors(x[start : start + batch_size])
            parts.append({g: (q[g].mean().numpy(), q[g].stddev().numpy()) for g in self.groups})
        return {g: tuple(np.concatenate([p[g][i] for p in parts]) for i in range(2)) for g in self.groups}

    def prior_draws(self, n, seed=0):
        """Draws from every group's prior, the same for the same `seed`.

        Args:
            n: int. Draws per group.
            seed: int. Stateless seed (each group gets its own stream).

        Returns:
            Dict group -> tensor `(n, k_g)`.
        """
        return {g: p.sample(int(n), seed=tf.constant([int(seed), i])) for i, (g, p) in enumerate(self.priors().items())}


class VAEView(LatentView):
    """A `VAE`: one group `"z"`."""

    groups = ("z",)

    def posteriors(self, x):
        return {"z": self.model.encode(x)}

    def priors(self):
        return {"z": self.model.prior}

    def decode(self, latents):
        return self.model.decode(latents["z"]).mean().numpy()


class ContrastiveView(LatentView):
    """A `ContrastiveVAE`: groups `"salient"` (s) and `"background"` (z)."""

    groups = ("salient", "background")

    def posteriors(self, x):
        return dict(zip(self.groups, self.model.encode(x)))

    def priors(self):
        return {"salient": self.model.salient_prior, "background": self.model.background_prior}

    def decode(self, latents):
        return self.model.decode(latents["salient"], latents["background"]).mean().numpy()

    def separate(self, x):
        return self.model.separate(x)


def latent_view(model, examples=None):
    """Returns the `LatentView` of `model`.

    Args:
        model: a `tfvae.VAE` or `tfvae.ContrastiveVAE`.
        examples: optional array `(N, *input_shape)` the callback will feed it
            (targets for a `ContrastiveVAE`), checked against the model's input shape.

    Raises:
        TypeError: `model` is neither a `tfvae.VAE` nor a `tfvae.ContrastiveVAE`.
        ValueError: `examples` do not have the model's input shape.
    """
    if isinstance(model, ContrastiveVAE):
        view = ContrastiveView(model)
    elif isinstance(model, VAE):
        view = VAEView(model)
    else:
        raise TypeError(f"tfvae callbacks need a tfvae.VAE or tfvae.ContrastiveVAE, got {type(model).__name__}.")
    if examples is not None and tuple(examples.shape[1:]) != tuple(model.data_shape):
        raise ValueError(f"examples of shape {tuple(examples.shape[1:])} do not fit the model's input shape {model.data_shape}.")
    return view
