"""Keras 3 layers that output `tfp.distributions` objects."""

from tfvae.layers.distribution_layer import DistributionLayer
from tfvae.layers.gradient_gate import gradient_gate
from tfvae.layers.likelihoods import (
    LIKELIHOODS,
    NAMES as LIKELIHOOD_NAMES,
    Bernoulli,
    ContinuousBernoulli,
    CountLikelihood,
    Likelihood,
    LowRankNormal,
    NegativeBinomial,
    Normal,
    Poisson,
    get_likelihood,
)
from tfvae.layers.posteriors import DiagonalNormal, FullCovarianceNormal, GaussianPosterior, get_posterior

__all__ = [
    "LIKELIHOODS",
    "LIKELIHOOD_NAMES",
    "Bernoulli",
    "ContinuousBernoulli",
    "CountLikelihood",
    "DiagonalNormal",
    "DistributionLayer",
    "FullCovarianceNormal",
    "GaussianPosterior",
    "Likelihood",
    "LowRankNormal",
    "NegativeBinomial",
    "Normal",
    "Poisson",
    "get_likelihood",
    "gradient_gate",
    "get_posterior",
]
