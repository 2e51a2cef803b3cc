"""The decoder kinds of a `ContrastiveVAE`: p(x | s, z)'s network on `[s, z]`."""

import tensorflow as tf

from tfvae.networks.additive import AdditiveDecoder
from tfvae.networks.factory import build_decoder, check_network_output
from tfvae.networks.layered import LayeredDecoder

DECODERS = ("additive", "joint", "layered")
#: Likelihoods a layered decoder composites, and the link of their first parameter to the mean.
LINKS = {"Normal": "identity", "LowRankNormal": "identity", "Bernoulli": "logit", "ContinuousBernoulli": "logit"}


def contrastive_decoder(model, decoder):
    """The decoder network of `model` for `decoder`: a given Keras network, or a kind.

    Kinds: `"additive"` (`AdditiveDecoder`: f_s(s) + f_z(z)), `"joint"` (one network
    on [s, z]) and, for images `(H, W, C)`, `"layered"` (`LayeredDecoder`: a
    background b(z), a foreground and a mask from [s, z], composited
    m * f + (1 - m) * b).

    Raises:
        ValueError: an unknown kind, or `"layered"` for inputs that are not images.
    """
    latent_dim = model.salient_dim + model.background_dim
    if not isinstance(decoder, str):
        return model._decoder(decoder, latent_dim)
    if decoder not in DECODERS:
        raise ValueError(f"decoder must be one of {DECODERS} or a Keras network, got {decoder!r}.")
    if decoder == "joint":
        return model._decoder(None, latent_dim)
    if decoder == "additive":
        salient = model._decoder(None, model.salient_dim, "salient_decoder")
        background = model._decoder(None, model.background_dim, "background_decoder")
        return model._decoder(AdditiveDecoder(model.salient_dim, salient, background, name="decoder"), latent_dim)
    if len(model.data_shape) != 3:
        raise ValueError(f"decoder='layered' needs images (H, W, C); the input shape is {model.data_shape}.")
    link = LINKS.get(type(model.likelihood).__name__)
    if link is None:
        raise ValueError(f"decoder='layered' needs an image likelihood ({', '.join(sorted(LINKS))}); got "
                         f"{type(model.likelihood).__name__}.")
    background = model._decoder(None, model.background_dim, "background_decoder")
    height, width, channels = model.data_shape
    k = model.likelihood.params_per_dim
    foreground = build_decoder(model.architecture, latent_dim, (height, width, channels * k + 1), 1,
                               name="foreground_decoder", **model.network_kwargs)
    check_network_output(foreground, (latent_dim,), height * width * (channels * k + 1), "foreground_decoder")
    layered = LayeredDecoder(model.salient_dim, background, foreground, channels, k, link, name="decoder")
    return model._decoder(layered, latent_dim)


def background_params(decoder, salient_dim, z, training=False):
    """The decoder's parameters at s = 0 for background latents `z` `(N, d_z)`: the
    decoder's own `background_params` where it has one (`AdditiveDecoder`,
    `LayeredDecoder`: the same values without running the salient part on rows of
    zeros), else the decoder on `[0, z]`."""
    if hasattr(decoder, "background_params"):
        return decoder.background_params(z, training=training)
    return decoder(tf.concat([tf.zeros((tf.shape(z)[0], salient_dim), z.dtype), z], -1), training=training)
