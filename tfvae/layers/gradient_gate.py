"""A weight's gradient passed, stopped, or switched on in the graph."""

import tensorflow as tf


def gradient_gate(value, learn):
    """Returns `value`, with its gradient gated by `learn`.

    Args:
        value: tensor or variable.
        learn: Python bool (True: the gradient passes; False: it is stopped) or a
            boolean scalar tensor read in the graph, e.g. `optimizer.iterations >= k`,
            so that a compiled train step switches without retracing.

    Returns:
        `value` itself (learn=True), or a tensor equal to it in the forward pass.
    """
    if isinstance(learn, bool):
        return value if learn else tf.stop_gradient(value)
    learns = tf.cast(learn, value.dtype)
    return learns * value + (1.0 - learns) * tf.stop_gradient(value)  # (1 - g) carries no gradient
