"""Encoder/decoder builders: output shapes for any supported input, clear errors otherwise."""

import numpy as np
import pytest

from tfvae.networks import build_decoder, build_encoder, conv_decoder, conv_encoder


@pytest.mark.parametrize("shape", [(8, 8, 1), (28, 28, 1), (12, 20, 3), (16, 4, 2)])
def test_conv_networks_mirror_any_divisible_image(shape):
    encoder = conv_encoder(shape, 6, filters=(4, 8), dense_units=16)
    decoder = conv_decoder(3, shape, params_per_dim=2, filters=(4, 8), dense_units=16)
    x = np.zeros((2, *shape), "float32")
    assert encoder(x).shape == (2, 6)
    assert decoder(np.zeros((2, 3), "float32")).shape == (2, int(np.prod(shape)) * 2)


@pytest.mark.parametrize("shape", [(30,), (5, 7), (4, 4, 4)])
def test_mlp_networks_accept_any_shape(shape):
    encoder = build_encoder("mlp", shape, 4, hidden_units=(8,))
    decoder = build_decoder("mlp", 2, shape, 1, hidden_units=(8, 16))
    assert encoder(np.zeros((3, *shape), "float32")).shape == (3, 4)
    assert decoder(np.zeros((3, 2), "float32")).shape == (3, int(np.prod(shape)))
    widths = [layer.units for layer in decoder.layers if hasattr(layer, "units")]
    assert widths[:2] == [16, 8]  # mirrors the encoder


def test_conv_errors_name_the_problem():
    with pytest.raises(ValueError, match="divisible by 4"):
        conv_encoder((10, 10, 1), 4, filters=(8, 8))
    with pytest.raises(ValueError, match=r"\(H, W, C\)"):
        conv_decoder(2, (28, 28), 1)
    with pytest.raises(ValueError, match="architecture must be one of"):
        build_encoder("resnet", (8, 8, 1), 4)


def test_additive_decoder_sums_its_blocks_and_round_trips():
    from helpers import assert_layer_config_round_trip

    from tfvae.networks import AdditiveDecoder, mlp_decoder

    first, second = mlp_decoder(2, (5,), 1, hidden_units=(4,), name="f"), mlp_decoder(3, (5,), 1, hidden_units=(4,), name="g")
    decoder = AdditiveDecoder(2, first, second)
    latents = np.random.default_rng(0).normal(size=(7, 5)).astype("float32")
    np.testing.assert_allclose(decoder(latents), first(latents[:, :2]) + second(latents[:, 2:]), atol=1e-6)
    clone = assert_layer_config_round_trip(decoder)
    clone.set_weights(decoder.get_weights())
    np.testing.assert_allclose(clone(latents), decoder(latents), atol=1e-6)
    with pytest.raises(ValueError, match="split"):
        AdditiveDecoder(0, first, second)


@pytest.mark.parametrize(
    "build, input_shape",
    [
        (lambda skip: conv_encoder((8, 8, 2), 6, filters=(4, 8), dense_units=16, linear_skip=skip), (8, 8, 2)),
        (lambda skip: conv_decoder(3, (8, 8, 2), params_per_dim=2, filters=(4, 8), dense_units=16, linear_skip=skip), (3,)),
        (lambda skip: build_encoder("mlp", (5, 7), 4, hidden_units=(8,), linear_skip=skip), (5, 7)),
        (lambda skip: build_decoder("mlp", 3, (5, 7), 1, hidden_units=(8,), linear_skip=skip), (3,)),
    ],
)
def test_linear_skip_adds_a_linear_map_of_the_input(build, input_shape):
    network = build(True)
    plain = build(False)
    assert "linear_skip" in [layer.name for layer in network.layers]
    assert "linear_skip" not in [layer.name for layer in plain.layers]
    x = np.random.default_rng(0).normal(size=(3, *input_shape)).astype("float32")
    assert network(x).shape == plain(x).shape
    # With every weight of the hidden path at zero, the output is exactly x V.
    skip = network.get_layer("linear_skip")
    kernel = np.random.default_rng(1).normal(size=skip.kernel.shape).astype("float32")
    for layer in network.layers:
        layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    skip.set_weights([kernel])
    np.testing.assert_allclose(network(x), x.reshape(3, -1) @ kernel, rtol=1e-5, atol=1e-5)


def test_background_basis_is_linear_and_learn_false_stops_its_gradient():
    import tensorflow as tf
    from helpers import assert_layer_config_round_trip

    from tfvae.networks import BackgroundBasis

    layer = BackgroundBasis(5)
    layer.build((None, 3))
    np.testing.assert_array_equal(layer(np.ones((2, 3), "float32")), np.zeros((2, 5)))  # starts at zero
    basis = np.random.default_rng(0).normal(size=(3, 5)).astype("float32")
    layer.basis.assign(basis)
    z = tf.constant(np.random.default_rng(1).normal(size=(4, 3)).astype("float32"))
    np.testing.assert_allclose(layer(z), z.numpy() @ basis, rtol=1e-5, atol=1e-6)
    for learn in (True, False):
        with tf.GradientTape() as tape:
            tape.watch(z)
            out = tf.reduce_sum(layer(z, learn=learn))
        grad_basis, grad_z = tape.gradient(out, [layer.basis, z])
        np.testing.assert_allclose(grad_z, np.tile(basis.sum(1), (4, 1)), rtol=1e-5)
        assert (grad_basis is not None) == learn
    assert assert_layer_config_round_trip(layer).size == 5
    with pytest.raises(ValueError, match="size"):
        BackgroundBasis(0)


def test_residual_texture_is_the_ppca_posterior_mean_of_its_fit():
    """Tipping & Bishop: W E[u|r] = U_k diag((lambda - sigma^2) / lambda) U_k^T (r - mu) + mu,
    U_k, lambda the top-k eigenpairs of the sample covariance, sigma^2 the mean of the rest."""
    from helpers import assert_layer_config_round_trip

    from tfvae.networks import ResidualTexture

    rng = np.random.default_rng(0)
    size, k = 12, 3
    mixing = rng.normal(size=(k, size)) * np.array([[3.0], [2.0], [1.5]])
    residuals = rng.normal(size=(2000, k)) @ mixing + 0.3 * rng.normal(size=(2000, size)) + 0.5
    layer = ResidualTexture(size, k)
    layer.build()
    probe = rng.normal(size=(5, 3, 4)).astype("float32")  # any shape with `size` values
    np.testing.assert_array_equal(layer(probe), np.zeros_like(probe))  # 0 before fit
    noise = layer.fit(residuals.reshape(2000, 3, 4))
    values, vectors = np.linalg.eigh(np.cov(residuals, rowvar=False))
    values, vectors = values[::-1], vectors[:, ::-1]
    np.testing.assert_allclose(noise, values[k:].mean(), rtol=1e-4)  # fitted in float32
    np.testing.assert_allclose(noise, 0.09, rtol=0.15)  # the generating 0.3^2
    gain = (values[:k] - noise) / values[:k]
    mean = residuals.mean(0)
    expected = mean + ((probe.reshape(5, size) - mean) @ vectors[:, :k] * gain) @ vectors[:, :k].T
    np.testing.assert_allclose(layer(probe), expected.reshape(5, 3, 4), rtol=1e-4, atol=1e-5)
    # A residual along a principal direction is shrunk by its gain; one across them gives the mean.
    along = (mean + vectors[:, 0]).astype("float32")[None]
    np.testing.assert_allclose(layer(along)[0], mean + gain[0] * vectors[:, 0], rtol=1e-4, atol=1e-5)
    across = (mean + vectors[:, -1]).astype("float32")[None]
    np.testing.assert_allclose(layer(across)[0], mean, atol=1e-4)
    assert assert_layer_config_round_trip(layer).components == k
    for bad in (0, size):
        with pytest.raises(ValueError, match="components must lie in"):
            ResidualTexture(size, bad)
    with pytest.raises(ValueError, match="needs more than 3 residuals of 12 values"):
        layer.fit(residuals[:, :10])
    with pytest.raises(ValueError, match="needs more than 3 residuals"):
        layer.fit(residuals[:3])
