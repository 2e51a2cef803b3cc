"""Schedules: a value that changes with training progress, read in the graph.

One mechanism serves every quantity that moves during training: the KL weight
(warm-up: `beta=Ramp(1.0, duration=2000)`), a regularizer's weight
(`MMD(weight=Ramp(10.0, start=500))`) and the gradient gate of a component that
starts learning late (`LowRankNormal(..., start=Ramp(start=0.4, unit="fit"))`).

A schedule is evaluated at `(step, epoch, progress)`: `step` is the optimizer's
iteration count, `epoch` the model's epoch counter and `progress` the share of the
planned training done (`step / LatentVariableModel.planned_steps`, which `fit` sets
when it starts: Keras knows the epochs and the steps per epoch then), all tensors,
so a compiled train step reads the current value without retracing. A schedule in
the unit `"fit"` is the same model on 300 examples as on 300,000; one in steps is
not. Plain floats are constant schedules (`as_schedule`).
"""

import keras
import tensorflow as tf

UNITS = ("step", "epoch", "fit")


@keras.saving.register_keras_serializable(package="tfvae")
class Schedule:
    """Base class: subclasses implement `__call__(step, epoch, progress)` and `get_config`."""

    def __call__(self, step, epoch, progress=None):
        """Returns the value at optimizer step `step`, epoch `epoch` and `progress` (the
        share of the planned training done, in [0, 1]), a float32 scalar."""
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
    `Ramp(10.0, start=4, unit="epoch")` a weight of 10 from the fifth epoch;
    `Ramp(start=0.4, unit="fit")` 0 for the first 40% of the training `fit` plans,
    then 1, whatever the data's size.

    Args:
        value: float. The value after the ramp.
        start: int >= 0 (a step or an epoch), or a float in [0, 1] for `"fit"`:
            where the ramp begins.
        duration: the same kind of number: how long the rise takes; 0 jumps to
            `value`.
        unit: str. `"step"` (optimizer steps), `"epoch"` (the model's epoch
            counter, which `fit` sets at the start of every epoch) or `"fit"`
            (shares of the steps `fit` plans, `LatentVariableModel.planned_steps`).

    Raises:
        ValueError: a negative start or duration, a share outside [0, 1], or an
            unknown unit.
    """

    def __init__(self, value=1.0, start=0, duration=0, unit="step"):
        if unit not in UNITS:
            raise ValueError(f"Ramp: unit must be one of {UNITS}, got {unit!r}.")
        number = float if unit == "fit" else int
        if number(start) < 0 or number(duration) < 0:
            raise ValueError(f"Ramp: start and duration must be >= 0, got {start} and {duration}.")
        if unit == "fit" and float(start) + float(duration) > 1.0:
            raise ValueError(f"Ramp: in unit 'fit', start + duration is a share of the training <= 1, got "
                             f"{start} + {duration}.")
        self.value, self.start, self.duration, self.unit = float(value), number(start), number(duration), unit

    @property
    def final(self):
        return self.value

    @property
    def is_constant(self):
        """Whether the value never changes (no start, no duration)."""
        return self.start == 0 and self.duration == 0

    def __call__(self, step, epoch, progress=None):
        if self.is_constant:
            return tf.constant(self.value, tf.float32)
        if self.unit == "fit" and progress is None:
            raise ValueError("a Ramp in unit 'fit' needs the training's progress (LatentVariableModel.scheduled).")
        now = {"step": step, "epoch": epoch, "fit": progress}[self.unit]
        t = tf.cast(now, tf.float32) - float(self.start)
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
