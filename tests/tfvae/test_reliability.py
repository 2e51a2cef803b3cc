"""What a bad batch, a diverging run or empty data costs: an error naming it, and nothing else."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfvae import VAE, ContrastiveVAE
from tfvae.layers import NegativeBinomial, Poisson

X = np.random.default_rng(0).uniform(size=(64, 6)).astype("float32")


def _vae(**kwargs):
    return VAE((6,), 2, likelihood="normal", network_kwargs={"hidden_units": (8,)}, seed=0, **kwargs)


def test_a_diverging_run_stops_with_the_step_and_keeps_the_epochs_start():
    model = _vae()
    model.compile(keras.optimizers.SGD(1e30))  # the first update blows every weight up
    weights = lambda: [w.numpy().copy() for w in model.trainable_weights + [model.epoch]]  # not the training's plan
    start = weights()
    with pytest.raises(FloatingPointError, match=r"NaN or inf at training step \d+ \(in epoch 0\)"):
        model.fit(X, batch_size=16, epochs=3, verbose=0)
    for before, after in zip(start, weights()):
        np.testing.assert_array_equal(before, after)  # the last good weights, in memory
    assert int(model.first_nonfinite_step.numpy()) == -1
    # The model stays usable: with a sane optimizer it trains.
    model.compile(keras.optimizers.Adam(1e-2))
    history = model.fit(X, batch_size=16, epochs=2, verbose=0).history
    assert np.all(np.isfinite(history["loss"]))


def test_no_later_callback_sees_a_diverged_epoch():
    seen = []
    model = _vae()
    model.compile(keras.optimizers.SGD(1e30))
    record = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
    with pytest.raises(FloatingPointError):
        model.fit(X, batch_size=16, epochs=2, verbose=0, callbacks=[record])
    assert seen == []


def test_input_checks_hold_after_a_fit_and_after_failed_fits():
    model = _vae()
    model.compile("adam")
    model.fit(X, batch_size=16, epochs=1, verbose=0)
    wrong = np.zeros((16, 5), "float32")
    for _ in range(2):  # a failed fit leaves no broken step behind
        with pytest.raises(ValueError, match="shape"):
            model.fit(wrong, batch_size=16, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="shape"):
        model.fit(tf.data.Dataset.from_tensor_slices(np.zeros((32, 4), "float32")).batch(16), epochs=1, verbose=0)
    model.fit(X, batch_size=16, epochs=1, verbose=0)  # and it still trains


@pytest.mark.parametrize("likelihood", ["normal", "poisson", "negative_binomial"])
def test_inputs_too_large_for_float32_are_refused(likelihood):
    model = VAE((6,), 2, likelihood=likelihood, network_kwargs={"hidden_units": (8,)}, seed=0)
    model.compile("adam")
    huge = np.full((16, 6), 1e30, "float32")
    with pytest.raises(ValueError, match="magnitude above 1e"):
        model.fit(huge, batch_size=16, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="magnitude above 1e"):
        model.elbo(huge)


def test_empty_data_raises_in_fit_and_evaluate():
    model = _vae()
    model.compile("adam")
    empty = np.zeros((0, 6), "float32")
    for data in (empty, tf.data.Dataset.from_tensor_slices(empty).batch(4)):
        with pytest.raises(ValueError, match="no batch"):
            model.fit(data, epochs=1, verbose=0)
        with pytest.raises(ValueError, match="no batches"):
            model.evaluate(data, verbose=0)
    pairs = {"target": np.zeros((0, 6), "float32"), "background": np.zeros((0, 6), "float32")}
    contrastive = ContrastiveVAE((6,), 2, 2, likelihood="normal", network_kwargs={"hidden_units": (8,)}, seed=0)
    contrastive.compile("adam")
    with pytest.raises(ValueError, match="no batch"):
        contrastive.fit(pairs, epochs=1, verbose=0)


@pytest.mark.parametrize("layer", [Poisson, NegativeBinomial])
def test_count_likelihoods_bound_the_log_rate(layer):
    likelihood = layer((3,))
    params = tf.constant([[89.0, 200.0, 1.0]])
    log_prob = likelihood(params).log_prob(tf.constant([[5.0, 7.0, 1.0]]))
    assert np.isfinite(log_prob.numpy()).all()


def test_gradient_clipping_bounds_each_update():
    model = _vae()
    model.compile(keras.optimizers.SGD(1.0, global_clipnorm=1e-3))
    before = [w.numpy() for w in model.trainable_weights]
    model.fit(X[:16], batch_size=16, epochs=1, verbose=0)
    moved = np.sqrt(sum(np.sum((a - b) ** 2) for a, b in zip([w.numpy() for w in model.trainable_weights], before)))
    assert 0 < moved <= 1e-3 * (1 + 1e-4)  # lr 1 x a gradient clipped to norm 1e-3
