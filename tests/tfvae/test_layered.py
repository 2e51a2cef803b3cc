"""The layered decoder: x_hat = m * f + (1 - m) * b, a mask in [0, 1] that is 0 at
s = 0 (background examples are the background layer alone), the mask-area penalty,
and what `separate` returns with it."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import assert_model_config_round_trip, toy_contrastive_data

from tfvae import ContrastiveVAE, metrics, regularizers
from tfvae.networks import LayeredDecoder, mlp_decoder

TARGET, BACKGROUND, _ = toy_contrastive_data(128)
SMALL = dict(architecture="mlp", network_kwargs={"hidden_units": (32,)}, seed=0)


def layered(**kwargs):
    mask = regularizers.MaskArea(kwargs.pop("mask_weight", 1.0))
    return ContrastiveVAE((8, 8, 1), 2, 3, decoder="layered", likelihood="normal_global",
                          regularizers=[mask], **{**SMALL, **kwargs})


@pytest.mark.parametrize("link", ["identity", "logit"])
def test_the_composite_is_m_f_plus_one_minus_m_b_on_the_mean_with_a_mask_in_the_unit_interval(link):
    # 3 pixels of 1 channel with 2 parameters (a mean and a scale): the background
    # has 6 outputs from z (2), the foreground 3 x 3 from [s, z] (1 + 2).
    decoder = LayeredDecoder(1, mlp_decoder(2, (6,), 1, hidden_units=(4,)), mlp_decoder(3, (9,), 1, hidden_units=(4,)),
                             channels=1, params_per_value=2, link=link)
    latents = tf.random.stateless_normal((5, 3), seed=(1, 2)) * 3.0
    b = tf.reshape(decoder.background(latents[:, 1:]), (5, 3, 2))
    out = tf.reshape(decoder.foreground(latents), (5, 3, 3))
    m, f = tf.sigmoid(out[..., 2]), tf.sigmoid(out[..., 0])  # (5, 3): the mask, the foreground's mean in (0, 1)
    b_mean = b[..., 0] if link == "identity" else tf.sigmoid(b[..., 0])
    composite = m * f + (1 - m) * b_mean
    params = tf.reshape(decoder(latents), (5, 3, 2))
    mean = params[..., 0] if link == "identity" else tf.sigmoid(params[..., 0])
    np.testing.assert_allclose(mean, composite, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(params[..., 1], m * out[..., 1] + (1 - m) * b[..., 1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(decoder.mask(latents), m, rtol=1e-6)
    assert 0.0 <= float(tf.reduce_min(m)) and float(tf.reduce_max(m)) <= 1.0
    clone = LayeredDecoder.from_config(decoder.get_config())
    assert clone.get_config()["link"] == link and clone.params_per_value == 2


def test_separate_returns_the_mask_and_the_masked_foreground(tmp_path):
    import pipelines
    from tfvae.cli import report

    model = layered()
    parts = model.separate(TARGET[:6])
    figure = report.save_figure(model, pipelines.ContrastiveData({"x": TARGET[:8]}, {"x": BACKGROUND[:8]}),
                                str(tmp_path / "separation.png"))
    assert len(figure.axes) >= 5 * 8  # target, reconstruction, background, foreground and mask rows
    assert parts["mask"].shape == (6, 8, 8, 1) and 0 <= parts["mask"].min() and parts["mask"].max() <= 1
    np.testing.assert_allclose(parts["foreground"] + parts["background_layer"], TARGET[:6], atol=1e-6)
    q_s, q_z = model.encode(TARGET[:6])
    layers = model.decoder.layers(tf.concat([q_s.mean(), q_z.mean()], -1))
    np.testing.assert_allclose(parts["foreground"].reshape(6, 64, 1), layers["mask"] * layers["foreground"], atol=1e-6)
    np.testing.assert_allclose(parts["background"].reshape(6, 64, 1), layers["background"][..., 0], atol=1e-6)
    np.testing.assert_allclose(parts["reconstruction"], model.decode(q_s.mean(), q_z.mean()).mean(), atol=1e-6)


def test_s_zero_decodes_the_background_layer_alone():
    decoder = layered().decoder
    z = tf.random.stateless_normal((4, 3), seed=(3, 4))
    s = tf.constant([[0.0, 0.0], [0.0, 1e-6], [1.0, -2.0], [0.0, 0.0]])
    latents = tf.concat([s, z], -1)
    mask = decoder.mask(latents)
    assert float(tf.reduce_max(tf.abs(tf.gather(mask, [0, 3])))) == 0.0  # s = 0: no foreground layer
    assert float(tf.reduce_min(tf.gather(mask, [1, 2]))) > 0.0  # any other s: a sigmoid's mask
    layers = decoder.layers(latents)
    np.testing.assert_allclose(tf.gather(layers["params"], [0, 3]), tf.gather(layers["background"], [0, 3]), rtol=1e-6)
    with pytest.raises(ValueError, match="needs an image likelihood"):
        ContrastiveVAE((8, 8, 1), 2, 3, decoder="layered", likelihood="poisson")


def test_the_mask_area_penalty_shrinks_the_targets_masks_in_training():
    model = layered(mask_weight=5.0)
    pairs = tf.data.Dataset.from_tensor_slices({"target": TARGET, "background": BACKGROUND}).repeat().batch(32)

    def target_area():
        q_s, q_z = model.encode(TARGET)
        return float(tf.reduce_mean(tf.reduce_sum(model.decoder.mask(tf.concat([q_s.mean(), q_z.mean()], -1)), -1)))

    before = target_area()  # about half of the 64 pixels: sigmoids near 0
    model.compile(keras.optimizers.Adam(3e-3))
    history = model.fit(pairs, steps_per_epoch=20, epochs=3, verbose=0).history
    assert history["mask_area"][-1] < 0.5 * history["mask_area"][0]  # the logged area, in pixels
    assert target_area() < 0.5 * before


def test_a_layered_model_round_trips_and_reloads(tmp_path):
    model = layered()
    clone = assert_model_config_round_trip(model, TARGET[:4])
    assert clone.decoder_kind == "layered" and isinstance(clone.decoder, LayeredDecoder)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.separate(TARGET[:4])["mask"], model.separate(TARGET[:4])["mask"], atol=1e-6)


def test_layered_needs_images_and_the_mask_area_a_layered_decoder():
    with pytest.raises(ValueError, match=r"decoder='layered' needs images \(H, W, C\)"):
        ContrastiveVAE((30,), 2, 3, decoder="layered")
    with pytest.raises(ValueError, match="MaskArea needs decoder='layered'.*'additive'"):
        ContrastiveVAE((8, 8, 1), 2, 3, regularizers=[regularizers.MaskArea()])


def test_mask_iou_against_closed_form_cases():
    truth = np.zeros((3, 2, 2))
    truth[:, 0, 0] = truth[:, 0, 1] = 1  # two pixels
    mask = np.zeros((3, 2, 2))
    mask[0] = truth[0]  # IoU 1
    mask[1, 0, 0] = 0.9  # 1 of 2: IoU 0.5
    mask[2, 1, 1] = 0.9  # disjoint: 0
    assert metrics.mask_iou(mask, truth) == pytest.approx(0.5)
    assert metrics.mask_iou(np.zeros((2, 3)), np.zeros((2, 3))) == 1.0  # both empty
    with pytest.raises(ValueError, match="mask_iou"):
        metrics.mask_iou(mask, truth[:2])
