"""The interface every ContrastiveVAE regularizer implements."""

import keras

from tfvae import schedules


class Regularizer(keras.layers.Layer):
    """A weighted penalty on a `ContrastiveVAE`'s forward pass.

    The model adds `weight * penalty(forward)` to its loss and logs the unweighted
    penalty under `term`. A new regularizer is one subclass in its own file:

    - `term`: class attribute, the name its penalty is logged under (unique
      within a model);
    - `penalty(forward)`: a scalar from a `tfvae.models.forward.ForwardPass`,
      whose shared pieces (posteriors, samples, the salient posterior of the
      background examples, a decode function) are computed once per step;
    - optionally `setup(model)`, to build what depends on the model's sizes, and
      `own_step(forward, training)` with `own_trainable_variables`, for a part
      trained by its own optimizer after the model's update (TC's
      discriminator), returning extra terms named in `own_terms`.

    Batch-level penalties must see the global batch under a distribution
    strategy (`tfvae.models.replicas`), so that 2 replicas give the result of one
    device.

    Args:
        weight: float >= 0 or a `tfvae.schedules.Schedule` (e.g. a late start).
        **kwargs: `keras.layers.Layer` arguments.
    """

    #: Name of the logged penalty.
    term = None
    #: Names of the extra terms `own_step` returns.
    own_terms = ()

    def __init__(self, weight=1.0, **kwargs):
        super().__init__(**kwargs)
        self.weight = schedules.as_schedule(weight, f"{type(self).__name__} weight")

    def setup(self, model):
        """Builds what depends on `model` (its latent sizes); called once by the model."""

    def penalty(self, forward):
        """The unweighted penalty, a float32 scalar tensor."""
        raise NotImplementedError

    def own_step(self, forward, training):
        """Updates this regularizer's own part after the model's step (`training=True`),
        or scores it on a held-out batch; returns a dict of `own_terms`."""
        return {}

    @property
    def own_trainable_variables(self):
        """Variables trained by `own_step`, which the model's optimizer leaves alone."""
        return []

    def get_config(self):
        return {**super().get_config(), "weight": schedules.serialize(self.weight)}
