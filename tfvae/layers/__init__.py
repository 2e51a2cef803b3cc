"""Keras 3 layers that output `tfp.distributions` objects."""

from tfvae.layers.distribution_layer import DistributionLayer
from tfvae.layers.likelihoods import (
    LIKELIHOODS,
    Bernoulli,
    ContinuousBernoulli,
    CountLikelihood,
    Likelihood,
    NegativeBinomial,
    Normal,
    Poisson,
    get_likelihood,
)
from tfvae.layers.mixture_prior import MixturePrior
from tfvae.layers.posteriors import DiagonalNormal, FullCovarianceNormal, GaussianPosterior, get_posterior

__all__ = [
    "LIKELIHOODS",
    "Bernoulli",
    "ContinuousBernoulli",
    "CountLikelihood",
    "DiagonalNormal",
    "DistributionLayer",
    "FullCovarianceNormal",
    "GaussianPosterior",
    "Likelihood",
    "MixturePrior",
    "NegativeBinomial",
    "Normal",
    "Poisson",
    "get_likelihood",
    "get_posterior",
]
