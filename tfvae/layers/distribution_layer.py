"""Base class for Keras 3 layers that turn parameter tensors into TFP distributions."""

import math

import keras
import tensorflow as tf
import tensorflow_probability as tfp

tfd = tfp.distributions


class DistributionLayer(keras.layers.Layer):
    """Maps a flat parameter tensor to a `tfd.Distribution` over an event shape.

    The parameterization lives here, never in the objective (as in
    `tfp.layers.DistributionLambda`, rebuilt for Keras 3 because `tfp.layers` is
    Keras 2 only). Networks produce `params_size` numbers per example; the layer
    reshapes them and applies the link functions.

    Args:
        event_shape: tuple of ints. Shape of one draw, e.g. `(28, 28, 1)` or `(8,)`.
        **kwargs: passed to `keras.layers.Layer`.
    """

    #: Number of raw parameters per event dimension (overridden by subclasses).
    params_per_dim = 1

    def __init__(self, event_shape, **kwargs):
        # Distributions are evaluated in float32 even under a mixed-precision policy.
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.event_shape = tuple(int(d) for d in event_shape)
        if not self.event_shape or any(d <= 0 for d in self.event_shape):
            raise ValueError(
                f"{type(self).__name__}: event_shape must be a non-empty tuple of "
                f"positive ints, got {event_shape!r}."
            )
        self.event_size = math.prod(self.event_shape)
        # Parameters arrive from the networks; any weights are created in __init__.
        self.built = True

    def params_size(self):
        """Returns the number of raw parameters one example needs (int)."""
        return self.event_size * self.params_per_dim

    def _split_params(self, params):
        """Reshapes `(B, params_size)` (or any `(B, ...)` of that size) to a list of
        `params_per_dim` tensors shaped `(B, *event_shape)`."""
        params = tf.cast(params, self.compute_dtype)
        k = self.params_per_dim
        # (B, *event_shape, k): the last axis indexes the parameter kind.
        params = tf.reshape(params, (-1, *self.event_shape, k))
        return tf.unstack(params, num=k, axis=-1)

    def _independent(self, dist):
        """Treats all event dimensions as one event (log_prob sums over them)."""
        return tfd.Independent(dist, reinterpreted_batch_ndims=len(self.event_shape))

    def call(self, params):
        """Returns the distribution for `params` of shape `(B, params_size)`."""
        return self.distribution(params)

    def distribution(self, params):
        """Builds the distribution; subclasses implement this."""
        raise NotImplementedError

    def compute_output_spec(self, params):
        raise NotImplementedError(
            f"{type(self).__name__} returns a tfd.Distribution, which cannot be a "
            "symbolic Keras tensor; call it eagerly or inside a train_step."
        )

    def get_config(self):
        return {**super().get_config(), "event_shape": list(self.event_shape)}
