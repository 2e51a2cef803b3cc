"""Shared fixtures for the tuning tests: tiny fixed splits of offline data."""

import pytest

import pipelines


@pytest.fixture(scope="session")
def tiny():
    """Fixed model arguments that keep a trial to a few seconds on 2 CPU cores."""
    return {"network_kwargs": {"hidden_units": (16,)}, "seed": 0}


@pytest.fixture(scope="session")
def digits():
    """`(x_train (200, 8, 8, 1), val dict with "x" (100, 8, 8, 1) and int "label")`."""
    x, _ = pipelines.digits_8x8("train", seed=0)
    x_val, y_val = pipelines.digits_8x8("test", seed=0)
    return x[:200], {"x": x_val[:100], "label": y_val[:100]}
