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
    with pytest.raises(ValueError, match="architecture must be 'auto' or one of"):
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


@pytest.mark.parametrize("shape, kwargs, expected", [((28, 28, 1), {}, "conv"), ((8, 8, 3), {}, "conv"),
                                                     ((10, 10, 1), {}, "mlp"), ((30,), {}, "mlp"),
                                                     ((12, 12, 1), {"filters": (4, 4, 4)}, "mlp"),
                                                     ((16, 16, 1), {"filters": (4, 4, 4)}, "conv")])
def test_auto_architecture_picks_conv_for_images_the_conv_networks_take(shape, kwargs, expected):
    from tfvae.networks import choose_architecture

    assert choose_architecture("auto", shape, kwargs) == expected
    assert choose_architecture("mlp", shape) == "mlp"
