"""Starts a mixture salient prior from the salient space the model has learned."""

import keras
import numpy as np
from sklearn.mixture import GaussianMixture


class MixturePriorFit(keras.callbacks.Callback):
    """At the start of one epoch, fits the ContrastiveVAE's mixture salient prior to
    the salient posterior means of `examples`.

    A learned mixture prior started from random means tends to leave all targets in
    the one component nearest them (on mnist_on_grass, all ten digits, every test
    target's responsibility was 1 for the same component of ten), and its other
    components never move. Fitting a diagonal Gaussian mixture (scikit-learn,
    K = `salient_components`) to the means once the salient space has formed, as
    VaDE (Jiang et al. 2017) starts from a pretrained autoencoder, puts every
    component where targets are; the prior keeps equal weights. The fit runs once,
    on the host, between epochs.

    Args:
        examples: array `(N, *input_shape)` of target examples (e.g. training targets).
        epoch: int. The 0-based epoch at whose start the prior is fitted.
        seed: int. Seed of the mixture fit.

    Raises:
        ValueError: `epoch` is negative, or `examples` has fewer rows than the
            mixture has components (raised at the fit).
    """

    def __init__(self, examples, epoch, seed=0):
        super().__init__()
        if int(epoch) < 0:
            raise ValueError(f"MixturePriorFit needs epoch >= 0, got {epoch}.")
        self.examples, self.epoch, self.seed = examples, int(epoch), int(seed)

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            fit_mixture_prior(self.model, self.examples, self.seed)


def fit_mixture_prior(model, examples, seed=0):
    """Sets `model.salient_mixture` to a diagonal Gaussian mixture fitted to the
    salient posterior means of `examples`; returns the fitted `GaussianMixture`.

    Raises:
        ValueError: the model has no mixture salient prior, or fewer examples than
            components.
    """
    mixture = getattr(model, "salient_mixture", None)
    if mixture is None:
        raise ValueError("fit_mixture_prior needs a ContrastiveVAE with salient_components > 1.")
    if len(examples) < mixture.num_components:
        raise ValueError(f"fit_mixture_prior needs at least {mixture.num_components} examples, got {len(examples)}.")
    means = np.asarray(model.salient_embedding(examples), "float64")
    gm = GaussianMixture(mixture.num_components, covariance_type="diag", reg_covar=1e-4, random_state=seed).fit(means)
    mixture.set_components(gm.means_, np.sqrt(gm.covariances_))
    return gm
