"""Arrays of random shapes, dtypes and values into the models' public entry points:
only the documented error types come out, and the models stay usable."""

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tfvae import VAE, ContrastiveVAE

SHAPE = (3, 2)
VALUES = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32), st.sampled_from([0.0, 0.5, 1.0, 1e9, -3.0]))
ARRAYS = st.one_of(
    hnp.arrays(st.sampled_from(["float32", "float64"]), hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=4),
               elements=VALUES),
    hnp.arrays(st.sampled_from(["int32", "bool", "uint8"]), hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=4)),
    hnp.arrays(st.sampled_from(["float32"]), st.just((4, *SHAPE)), elements=VALUES),  # the right shape, any value
    st.just(np.array([["a", "b"]])), st.just(np.zeros((2, 3, 2), "complex64")),
)
DOCUMENTED = (ValueError, TypeError)
PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def models():
    vae = VAE(SHAPE, 2, likelihood="bernoulli", network_kwargs={"hidden_units": (4,)}, seed=0)
    cvae = ContrastiveVAE(SHAPE, 2, 2, network_kwargs={"hidden_units": (4,)}, seed=0)
    for model in (vae, cvae):
        model.compile(keras.optimizers.Adam(1e-3))
    return vae, cvae


GOOD = np.random.default_rng(0).uniform(size=(8, *SHAPE)).astype("float32")


def _still_usable(vae, cvae):
    assert np.isfinite(vae.elbo(GOOD, seed=0).numpy()).all()
    assert np.isfinite(cvae.separate(GOOD)["foreground"]).all()


@PROPERTY
@given(x=ARRAYS)
def test_evaluation_entry_points_raise_only_documented_errors(models, x):
    vae, cvae = models
    calls = (lambda: vae.elbo(x), lambda: vae.encode(x), lambda: cvae.salient_embedding(x), lambda: cvae.separate(x),
             lambda: cvae.elbo(x))
    for call in calls:
        try:
            call()
        except DOCUMENTED:
            pass
    _still_usable(vae, cvae)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(x=ARRAYS)
def test_fit_raises_only_documented_errors_and_leaves_the_model_usable(models, x):
    vae, cvae = models
    for fit in (lambda: vae.fit(x, batch_size=4, epochs=1, verbose=0),
                lambda: cvae.fit({"target": x, "background": x}, batch_size=4, epochs=1, verbose=0)):
        try:
            fit()
        except DOCUMENTED:
            pass
        except FloatingPointError:  # a finite but extreme batch may diverge: documented, weights restored
            pass
    _still_usable(vae, cvae)
