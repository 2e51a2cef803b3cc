"""Background-swap invariance of the salient posterior means (a tfvae addition)."""

import tensorflow as tf


def background_change(x_background):
    """`x_b - x_b'`, with x_b' the background batch rolled by one: a change with the
    background's variation and mean zero. `(B_b, ...)`; all zeros when B_b = 1."""
    return x_background - tf.roll(x_background, 1, axis=0)


def background_swap_penalty(salient_mean, x_target, change):
    """How far the salient means move when a target's background changes.

    With targets made as foreground + background, `x_t + change` (a
    `background_change`, x_b - x_b') keeps x_t's foreground and swaps part of its
    background. The penalty is, per example, ||E[s|x_t] - E[s|x_t + x_b - x_b']||^2.
    The MMD and Wasserstein penalties act on background examples' s only; this one
    asks a target's s to ignore its background. Only the first min(B_t, B_b)
    targets are used.

    Args:
        salient_mean: callable mapping a batch of examples to the posterior means
            E[s|x], `(N, d_s)`.
        x_target: `(B_t, ...)` target examples.
        change: `(B_b, ...)` changes of background, shaped like the targets.

    Returns:
        A `(min(B_t, B_b),)` tensor.
    """
    n = tf.minimum(tf.shape(x_target)[0], tf.shape(change)[0])
    x_target = x_target[:n]
    means = tf.cast(salient_mean(tf.concat([x_target, x_target + change[:n]], axis=0)), tf.float32)  # one pass
    return tf.reduce_sum(tf.square(means[:n] - means[n:]), axis=-1)
