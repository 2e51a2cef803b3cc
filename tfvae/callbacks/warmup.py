"""Linear warm-up of the KL weight from 0 to beta, driven by a callback."""

import keras
import tensorflow as tf


class KLWarmup(keras.callbacks.Callback):
    """Raises the KL weight linearly from 0 to `beta` over `epochs` epochs or
    `steps` optimizer steps, by assigning the model's `kl_scale` variable.

    By epochs, the scale is `min(1, epoch / epochs)` for the whole epoch (assigned at
    epoch begin). By steps, it is `min(1, iterations / steps)` at each batch begin,
    computed from `optimizer.iterations` by eager TF ops (no host read per batch), so
    it continues correctly after `BackupAndRestore`. The compiled train step reads
    the variable, so nothing is retraced.

    This multiplies any warm-up from the model's `kl_warmup_steps` config (which
    ramps in the graph from the step count, without a callback); use one of the two.
    After training the scale keeps its last value (and is saved with the model).

    Args:
        epochs: int or None. Warm-up length in epochs.
        steps: int or None. Warm-up length in optimizer steps; give exactly one.

    Raises:
        ValueError: not exactly one of `epochs` and `steps` is a positive int.
    """

    def __init__(self, epochs=None, steps=None):
        super().__init__()
        given = [v for v in (epochs, steps) if v is not None]
        if len(given) != 1 or int(given[0]) < 1:
            raise ValueError(f"give exactly one positive int of epochs and steps, got epochs={epochs}, steps={steps}.")
        self.epochs = None if epochs is None else int(epochs)
        self.steps = None if steps is None else int(steps)
        self._done = False

    def set_model(self, model):
        super().set_model(model)
        if not isinstance(getattr(model, "kl_scale", None), keras.Variable):
            raise TypeError(f"KLWarmup needs a tfvae model with a kl_scale variable, got {type(model).__name__}.")

    def on_train_begin(self, logs=None):
        self._done = False

    def on_epoch_begin(self, epoch, logs=None):
        if self.epochs is not None:
            self.model.kl_scale.assign(min(1.0, epoch / self.epochs))

    def on_train_batch_begin(self, batch, logs=None):
        if self.steps is None or self._done:
            return
        iterations = tf.cast(tf.convert_to_tensor(self.model.optimizer.iterations), tf.float32)
        self.model.kl_scale.assign(tf.minimum(1.0, iterations / self.steps))

    def on_epoch_end(self, epoch, logs=None):
        # One host read per epoch: stop assigning once the ramp is complete.
        if self.steps is not None and int(keras.ops.convert_to_numpy(self.model.optimizer.iterations)) >= self.steps:
            self.model.kl_scale.assign(1.0)
            self._done = True
