"""The VAE model: training on real digits, every likelihood, saving, export and input checks."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import assert_model_config_round_trip, train_one_step

import pipelines
from tfvae import VAE
from tfvae.schedules import Ramp
from tfvae.layers import LowRankNormal, Normal

X_TRAIN, Y_TRAIN = pipelines.digits_8x8("train")
X_TEST, _ = pipelines.digits_8x8("test")
SMALL = {"mlp": {"hidden_units": (32,)}, "conv": {"filters": (8, 16), "dense_units": 32}}


def _vae(architecture="mlp", likelihood="bernoulli", **kwargs):
    return VAE((8, 8, 1), 2, architecture=architecture, likelihood=likelihood, network_kwargs=SMALL[architecture], seed=0, **kwargs)


@pytest.mark.parametrize("architecture", ["mlp", "conv"])
def test_training_raises_held_out_elbo(architecture):
    keras.utils.set_random_seed(0)
    model = _vae(architecture)
    model.compile(keras.optimizers.Adam(3e-3))
    before = float(np.mean(model.elbo(X_TEST, seed=0)))
    history = model.fit(X_TRAIN, Y_TRAIN, validation_data=(X_TEST,), epochs=6, batch_size=64, verbose=0)
    after = float(np.mean(model.elbo(X_TEST, seed=0)))
    # Untrained: about -44.4 nats (64 pixels at p = 0.5); 6 epochs reach about -30.
    assert after - before > 8.0, (before, after)
    assert set(history.history) >= {"loss", "elbo", "reconstruction", "kl", "val_elbo", "val_reconstruction", "val_kl"}
    np.testing.assert_allclose(history.history["elbo"][-1], history.history["reconstruction"][-1] - history.history["kl"][-1], rtol=1e-4)
    assert history.history["kl"][-1] > 0


COUNTS = np.round(X_TRAIN[:16] * 16)


@pytest.mark.parametrize(
    "likelihood, x, architecture, posterior",
    [
        ("bernoulli", X_TRAIN[:16], "conv", "diag"),
        ("continuous_bernoulli", X_TRAIN[:16], "mlp", "full"),
        ("normal", X_TRAIN[:16], "conv", "full"),
        (Normal((8, 8, 1), scale="global"), X_TRAIN[:16], "mlp", "diag"),
        (Normal((8, 8, 1), scale="per_dimension"), X_TRAIN[:16], "conv", "diag"),
        (Normal((8, 8, 1), scale="predicted"), X_TRAIN[:16], "mlp", "full"),
        (LowRankNormal((8, 8, 1), 3), X_TRAIN[:16], "conv", "diag"),
        ("poisson", COUNTS, "conv", "diag"),
        ("negative_binomial", COUNTS, "mlp", "full"),
    ],
    ids=["bernoulli", "cb", "normal-fixed", "normal-global", "normal-per-dim", "normal-predicted", "normal-low-rank",
         "poisson", "nb"],
)
def test_every_likelihood_builds_and_trains_a_step(likelihood, x, architecture, posterior):
    model = _vae(architecture, likelihood, posterior=posterior)
    logs, changed = train_one_step(model, x)
    assert changed and np.isfinite(logs["loss"])
    assert model.reconstruct(x[:2]).shape == (2, 8, 8, 1)
    assert model.sample(3, seed=1).shape == (3, 8, 8, 1)


@pytest.mark.parametrize("architecture, posterior", [("mlp", "diag"), ("conv", "full")])
def test_model_config_round_trip(architecture, posterior):
    model = _vae(architecture, "continuous_bernoulli", posterior=posterior, beta=2.0, num_samples=3)
    clone = assert_model_config_round_trip(model, X_TEST[:4])
    assert clone.beta.final == 2.0 and clone.num_samples == 3 and clone.posterior.latent_dim == 2


def test_custom_networks_round_trip():
    encoder = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(4)])
    decoder = keras.Sequential([keras.Input((2,)), keras.layers.Dense(64)])
    model = VAE((8, 8, 1), 2, encoder=encoder, decoder=decoder)
    assert_model_config_round_trip(model, X_TEST[:4])
    with pytest.raises(ValueError, match="encoder maps"):
        VAE((8, 8, 1), 3, encoder=encoder)


def test_save_and_load_reproduce_elbo(tmp_path):
    model = _vae("conv", "normal")
    train_one_step(model, X_TRAIN[:32])
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.elbo(X_TEST[:8], seed=4), model.elbo(X_TEST[:8], seed=4), rtol=1e-6)
    assert not np.allclose(model.elbo(X_TEST[:8], seed=4), model.elbo(X_TEST[:8], seed=5))


def test_evaluation_methods_stream_datasets(capsys):
    model = _vae("mlp")
    dataset = tf.data.Dataset.from_tensor_slices((X_TEST[:20], np.arange(20))).batch(8)
    np.testing.assert_allclose(model.elbo(dataset, seed=1), model.elbo(X_TEST[:20], seed=1, batch_size=8), rtol=1e-6)
    assert model.log_likelihood(dataset, num_samples=4).shape == (20,)
    assert "20/Unknown" in capsys.readouterr().out  # a progress bar over the examples
    model.log_likelihood(X_TEST[:20], num_samples=4, batch_size=8)
    assert "20/20" in capsys.readouterr().out
    model.log_likelihood(X_TEST[:20], num_samples=4, batch_size=8, verbose=0)
    model.log_likelihood(X_TEST[:8], num_samples=4, batch_size=8)  # one batch: no bar
    assert capsys.readouterr().out == ""
    assert model.reconstruct(dataset).shape == (20, 8, 8, 1)
    with pytest.raises(ValueError, match="no examples"):
        model.elbo(X_TEST[:0])


def test_compiled_evaluation_matches_the_eager_batch_and_rejects_bad_values():
    # One batch runs eagerly; more run as one traced function (with a retrace for the
    # shorter last batch). The first batch has the same seed either way.
    model = _vae("conv", "bernoulli")
    eager = model.log_likelihood(X_TEST[:8], num_samples=20, seed=2, batch_size=8, verbose=0)
    compiled = model.log_likelihood(X_TEST[:21], num_samples=20, seed=2, batch_size=8, verbose=0)
    assert compiled.shape == (21,)
    np.testing.assert_allclose(compiled[:8], eager, rtol=1e-5)
    np.testing.assert_allclose(model.reconstruct(X_TEST[:21], batch_size=8)[16:], model.reconstruct(X_TEST[16:21]),
                               rtol=1e-5, atol=1e-6)
    # Many samples: batches shrink to elbo.MAX_DECODES // K examples (5 for K = 200),
    # so asking for batches of 256 gives the estimate of batches of 5 (same seeds).
    np.testing.assert_allclose(model.elbo(X_TEST[:12], num_samples=200, seed=1),
                               model.elbo(X_TEST[:12], num_samples=200, seed=1, batch_size=5), rtol=1e-5)
    bad = X_TEST[:21].copy()
    bad[18, 0, 0, 0] = np.nan  # in the last batch, after two compiled ones
    with pytest.raises(ValueError, match="NaN"):
        model.log_likelihood(bad, num_samples=4, batch_size=8, verbose=0)


def test_export_writes_encode_signature(tmp_path, capsys):
    model = _vae("mlp")
    model.export(str(tmp_path / "saved"))
    assert capsys.readouterr().out == ""  # quiet by default
    restored = tf.saved_model.load(str(tmp_path / "saved"))
    out = restored.encode(tf.constant(X_TEST[:3]))
    q = model.encode(X_TEST[:3])
    np.testing.assert_allclose(out["mean"], q.mean(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out["stddev"], q.stddev(), rtol=1e-5)
    np.testing.assert_allclose(restored.serve(tf.constant(X_TEST[:3])), model(X_TEST[:3]), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "data",
    [
        lambda x: tf.data.Dataset.from_tensor_slices(x).batch(8),
        lambda x: tf.data.Dataset.from_tensor_slices((x, np.arange(len(x)))).batch(8),
        lambda x: tf.data.Dataset.from_tensor_slices({"x": x, "label": np.arange(len(x))}).batch(8),
    ],
    ids=["x", "x-y", "dict"],
)
def test_fit_accepts_batch_formats(data):
    model = _vae()
    model.compile("adam")
    history = model.fit(data(X_TRAIN[:32]), epochs=1, verbose=0)
    assert np.isfinite(history.history["elbo"][0])


def _bad_batches():
    nan = X_TRAIN[:8].copy()
    nan[3, 2, 2, 0] = np.nan
    inf = X_TRAIN[:8].copy()
    inf[0, 0, 0, 0] = np.inf
    return [
        (np.zeros((8, 28, 28, 1), "float32"), "shape"),
        (nan, "NaN"),
        (inf, "NaN or inf"),
        (X_TRAIN[:8] + 0.7, r"support of the Bernoulli likelihood \(values in \[0, 1\]\)"),
        (np.full((8, 8, 8, 1), "a"), "dtype"),
    ]


@pytest.mark.parametrize("x, message", _bad_batches(), ids=["shape", "nan", "inf", "support", "dtype"])
def test_bad_input_raises_value_error(x, message):
    model = _vae()
    model.compile("adam")
    with pytest.raises(ValueError, match=message):
        model.fit(x, epochs=1, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match=message):
        model.evaluate(x, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match=message):
        model.elbo(x)
    # The failed trace leaves nothing broken: clean data trains right after.
    assert np.isfinite(model.fit(X_TRAIN[:16], epochs=1, batch_size=8, verbose=0).history["loss"][0])


def test_checks_off_allow_xla_and_skip_value_checks():
    checked, unchecked = _vae(), _vae(validate_inputs=False)
    checked.compile("adam")
    assert checked.jit_compile is False  # XLA would silently drop the assertions
    unchecked.compile("adam", jit_compile=True)
    assert unchecked.jit_compile is True
    history = unchecked.fit(X_TRAIN[:16] + 0.7, epochs=2, batch_size=8, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))  # scored without complaint: the user opted out


def test_count_likelihood_rejects_fractions():
    model = _vae("mlp", "poisson")
    with pytest.raises(ValueError, match="non-negative integers"):
        model.elbo(COUNTS[:4] + 0.5)


def test_kl_warmup_ramps_the_kl_weight_the_compiled_step_uses():
    model = _vae(beta=Ramp(2.0, duration=4))
    model.compile("adam")
    assert float(model.kl_weight()) == 0.0
    logs = model.evaluate(X_TEST[:16], batch_size=16, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], -logs["reconstruction"], rtol=1e-5)  # KL weight 0 at step 0
    model.fit(X_TRAIN[:16], batch_size=8, epochs=1, verbose=0)
    np.testing.assert_allclose(float(model.kl_weight()), 1.0)  # after 2 of 4 steps
    logs = model.evaluate(X_TEST[:16], batch_size=16, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], -(logs["reconstruction"] - logs["kl"]), rtol=1e-5)


def test_loss_is_negative_beta_elbo():
    model = _vae(beta=3.0)
    model.compile("adam")
    logs = model.evaluate(X_TEST[:16], batch_size=16, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], -(logs["reconstruction"] - 3.0 * logs["kl"]), rtol=1e-5)


def test_monte_carlo_kl_agrees_with_closed_form():
    analytic = _vae("mlp", num_samples=1)
    mc = _vae("mlp", analytic_kl=False)
    mc.set_weights(analytic.get_weights())
    x = np.repeat(X_TEST[:1], 2000, axis=0)
    kl_mc = mc._elbo_terms(tf.constant(x), seed=3)["kl"].numpy()
    kl_exact = analytic._elbo_terms(tf.constant(x[:1]), seed=3)["kl"].numpy()[0]
    assert abs(kl_mc.mean() - kl_exact) < 4 * kl_mc.std() / np.sqrt(len(kl_mc))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="latent_dim"):
        VAE((8,), 0)
    with pytest.raises(ValueError, match="beta"):
        VAE((8,), 2, beta=-1.0)
    with pytest.raises(ValueError, match="num_samples"):
        VAE((8,), 2, num_samples=0)
