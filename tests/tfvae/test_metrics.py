"""Separation metrics on embeddings and images with known answers."""

import numpy as np
import pytest

from tfvae import metrics

RNG = np.random.default_rng(0)
LABELS = np.repeat([0, 1, 2], 50)
SEPARATED = np.eye(3)[LABELS] * 10 + RNG.normal(size=(150, 3)) * 0.1
MIXED = RNG.normal(size=(150, 3))


def test_silhouette_is_high_for_separated_and_near_zero_for_mixed_classes():
    assert metrics.silhouette(SEPARATED, LABELS) > 0.9
    assert abs(metrics.silhouette(MIXED, LABELS)) < 0.1
    with pytest.raises(ValueError, match="two distinct labels"):
        metrics.silhouette(MIXED, np.zeros(150))


def test_kmeans_agreement_recovers_separated_classes():
    assert metrics.kmeans_agreement(SEPARATED, LABELS) == {"ari": 1.0, "nmi": 1.0}
    mixed = metrics.kmeans_agreement(MIXED, LABELS)
    assert mixed["ari"] < 0.1 and mixed["nmi"] < 0.1


def test_mse_and_correlation():
    truth = RNG.uniform(size=(4, 5, 5, 1))
    assert metrics.mse(truth, truth) == 0.0
    np.testing.assert_allclose(metrics.mse(truth + 0.1, truth), 0.01)
    np.testing.assert_allclose(metrics.correlation(2 * truth + 1, truth), 1.0)
    np.testing.assert_allclose(metrics.correlation(-truth, truth), -1.0)
    with pytest.raises(ValueError, match="shapes differ"):
        metrics.mse(truth[:2], truth)


def test_mean_background_baseline():
    train = np.stack([np.zeros((2, 2)), np.ones((2, 2))])  # mean crop 0.5
    np.testing.assert_allclose(metrics.mean_background_mse(train, np.ones((3, 2, 2))), 0.25)
