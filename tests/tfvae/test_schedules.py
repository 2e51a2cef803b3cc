"""Schedules: values against their closed form, epochs through fit, serialization."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import tiny_contrastive, toy_contrastive_data

from tfvae import schedules
from tfvae.schedules import Ramp


def test_ramp_is_zero_then_linear_then_constant():
    ramp = Ramp(2.0, start=10, duration=4)
    values = [float(ramp(tf.constant(step), tf.constant(0))) for step in (0, 9, 10, 11, 13, 14, 100)]
    np.testing.assert_allclose(values, [0, 0, 0, 0.5, 1.5, 2.0, 2.0], atol=1e-6)
    late = Ramp(start=3)  # a late start: 0, then 1
    assert [float(late(tf.constant(s), tf.constant(0))) for s in (2, 3)] == [0.0, 1.0]
    assert float(Ramp(0.7)(tf.constant(0), tf.constant(0))) == pytest.approx(0.7)
    by_epoch = Ramp(1.0, start=1, duration=2, unit="epoch")  # reads the epoch, not the step
    assert [float(by_epoch(tf.constant(999), tf.constant(e))) for e in (0, 1, 2, 3)] == [0.0, 0.0, 0.5, 1.0]


def test_schedules_serialize_and_refuse_bad_values():
    assert schedules.serialize(Ramp(3.0)) == 3.0  # a constant is a plain number in configs
    ramp = Ramp(1.0, start=2, duration=5, unit="epoch")
    clone = schedules.as_schedule(schedules.serialize(ramp))
    assert clone.get_config() == ramp.get_config()
    assert schedules.as_schedule(4).final == 4.0
    for bad in (-1.0, "high", True):
        with pytest.raises(ValueError):
            schedules.as_schedule(bad)
    with pytest.raises(ValueError, match="unit"):
        Ramp(unit="hour")
    with pytest.raises(ValueError, match="start and duration"):
        Ramp(start=-1)


def test_epoch_schedules_follow_fit_and_step_schedules_the_optimizer():
    target, background, _ = toy_contrastive_data(32)
    model = tiny_contrastive(beta=Ramp(1.0, start=1, unit="epoch"))
    assert float(model.kl_weight()) == 1.0  # no optimizer yet: the final value
    model.compile(keras.optimizers.Adam(1e-3))
    seen = []
    record = keras.callbacks.LambdaCallback(on_train_batch_begin=lambda *_, **__: seen.append(float(model.kl_weight())))
    model.fit({"target": target, "background": background}, batch_size=16, epochs=3, callbacks=[record], verbose=0)
    assert seen == [0.0, 0.0, 1.0, 1.0, 1.0, 1.0] and int(model.epoch.numpy()) == 2
    model.beta = Ramp(1.0, duration=12)
    np.testing.assert_allclose(float(model.kl_weight()), 6 / 12)  # 6 optimizer steps so far


def test_fit_unit_is_a_share_of_the_planned_training_on_any_data_size():
    ramp = Ramp(2.0, start=0.5, duration=0.25, unit="fit")
    values = [float(ramp(tf.constant(0), tf.constant(0), tf.constant(p))) for p in (0.0, 0.49, 0.625, 0.75, 1.0)]
    np.testing.assert_allclose(values, [0.0, 0.0, 1.0, 2.0, 2.0], atol=1e-6)
    with pytest.raises(ValueError, match="share of the training"):
        Ramp(start=0.9, duration=0.2, unit="fit")
    with pytest.raises(ValueError, match="progress"):
        ramp(tf.constant(0), tf.constant(0))
    clone = schedules.as_schedule(schedules.serialize(ramp))
    assert clone.get_config() == ramp.get_config() and isinstance(clone.start, float)
    # The same late start (half the fit) is the same step share on 32 and on 64 examples.
    for size in (32, 64):
        target, background, _ = toy_contrastive_data(size)
        model = tiny_contrastive(beta=Ramp(1.0, start=0.5, unit="fit"))
        model.compile(keras.optimizers.Adam(1e-3))
        seen = []
        record = keras.callbacks.LambdaCallback(on_train_batch_begin=lambda *_, **__: seen.append(float(model.kl_weight())))
        model.fit({"target": target, "background": background}, batch_size=16, epochs=2, callbacks=[record], verbose=0)
        steps = 2 * size // 16
        assert int(model.planned_steps.numpy()) == steps
        assert seen == [0.0] * (steps // 2) + [1.0] * (steps // 2)


def test_fit_unit_waits_for_the_first_epoch_on_data_of_unknown_length():
    target, background, _ = toy_contrastive_data(32)
    pairs = tf.data.Dataset.from_tensor_slices({"target": target, "background": background}).batch(16)
    pairs = pairs.filter(lambda _: True)  # unknown cardinality: fit learns the steps in epoch 1
    model = tiny_contrastive(beta=Ramp(1.0, start=0.5, unit="fit"))
    model.compile(keras.optimizers.Adam(1e-3))
    seen = []
    record = keras.callbacks.LambdaCallback(on_train_batch_begin=lambda *_, **__: seen.append(float(model.kl_weight())))
    model.fit(pairs, epochs=4, callbacks=[record], verbose=0)
    steps = len(seen)  # 4 epochs of the batches the data holds
    assert steps % 4 == 0 and int(model.planned_steps.numpy()) == steps
    assert seen == [0.0] * (steps // 2) + [1.0] * (steps // 2)


def test_files_saved_before_planned_steps_existed_still_load():
    model = tiny_contrastive()
    model.planned_steps.assign(7)
    model.load_own_variables({"0": np.int64(3), "1": np.int64(-1)})  # an earlier 0.2 file: epoch, first NaN step
    assert (int(model.epoch.numpy()), int(model.first_nonfinite_step.numpy()), int(model.planned_steps.numpy())) == (3, -1, 7)
