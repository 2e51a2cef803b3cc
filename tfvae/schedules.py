"""Schedules: a value that changes with training progress, read in the graph.

One mechanism serves every quantity that moves during training: the KL weight
(warm-up: `beta=Ramp(1.0, duration=2000)`), a regularizer's weight
(`MMD(weight=Ramp(10.0, start=500))`) and the gradient gate of a component that
starts learning late (`LowRankNormal(..., start=Ramp(start=500))`).

A schedule is evaluated at `(step, epoch)`: `step` is the optimizer's iteration
count and `epoch` the model's epoch counter, both tensors, so a compiled train
step reads the current value without retracing. Plain floats are constant
schedules (`value_at`).
"""

import keras
import tensorflow as tf

UNITS = ("step", "epoch")


@keras.saving.register_keras_serializable(package="tfvae")
class Schedule:
    """Base class: subclasses implement `__call__(step, epoch)` and `get_config`."""

    def __call__(self, step, epoch):
        """Returns the value at optimizer step `step` and epoch `epoch`, a float32 scalar."""
        raise NotImplementedError

    @property
    def final(self):
        """The value the schedule settles at (used when there is no optimizer yet)."""
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@keras.saving.register_keras_serializable(package="tfvae")
class Ramp(Schedule):
    """0 before `start`, then a linear rise to `value` over `duration`, then `value`.

    `Ramp(v)` is the constant v; `Ramp(1.0, duration=2000)` a warm-up over 2000
    steps; `Ramp(start=500)` a late start (0, then 1 from step 500);
    `Ramp(10.0, start=4, unit="epoch")` a weight of 10 from the fifth epoch.

    Args:
        value: float. The value after the ramp.
        start: int >= 0. Step (or epoch) at which the ramp begins.
        duration: int >= 0. Steps (or epochs) the rise takes; 0 jumps to `value`.
        unit: str. `"step"` (optimizer steps) or `"epoch"` (the model's epoch
            counter, which `fit` sets at the start of every epoch).

    Raises:
        ValueError: a negative start or duration, or an unknown unit.
    """

    def __init__(self, value=1.0, start=0, duration=0, unit="step"):
        if unit not in UNITS:
            raise ValueError(f"Ramp: unit must be one of {UNITS}, got {unit!r}.")
        if int(start) < 0 or int(duration) < 0:
            raise ValueError(f"Ramp: start and duration must be >= 0, got {start} and {duration}.")
        self.value, self.start, self.duration, self.unit = float(value), int(start), int(duration), unit

    @property
    def final(self):
        return self.value

    @property
    def is_constant(self):
        """Whether the value never changes (no start, no duration)."""
        return self.start == 0 and self.duration == 0

    def __call__(self, step, epoch):
        if self.is_constant:
            return tf.constant(self.value, tf.float32)
        t = tf.cast(step if self.unit == "step" else epoch, tf.float32) - float(self.start)
        if self.duration == 0:
            share = tf.cast(t >= 0.0, tf.float32)
        else:
            share = tf.clip_by_value(t / float(self.duration), 0.0, 1.0)
        return self.value * share

    def get_config(self):
        return {"value": self.value, "start": self.start, "duration": self.duration, "unit": self.unit}

    def __repr__(self):
        return f"Ramp({self.value}, start={self.start}, duration={self.duration}, unit={self.unit!r})"


def as_schedule(value, name="value"):
    """A `Schedule` from a schedule, a number (constant) or a serialized schedule dict.

    Raises:
        ValueError: a negative number, or something else.
    """
    if isinstance(value, Schedule):
        return value
    if isinstance(value, dict):
        return keras.saving.deserialize_keras_object(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number or a tfvae.schedules.Schedule, got {value!r}.")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}.")
    return Ramp(float(value))


def serialize(schedule):
    """A schedule's config for `get_config`: a plain float for a constant `Ramp`."""
    if isinstance(schedule, Ramp) and schedule.is_constant:
        return schedule.value
    return keras.saving.serialize_keras_object(schedule)
