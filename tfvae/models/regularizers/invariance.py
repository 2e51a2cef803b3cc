"""Background-swap invariance of the salient posterior means (a tfvae addition)."""

import keras
import numpy as np
import tensorflow as tf

from tfvae.models.regularizers.base import Regularizer
from tfvae.models.replicas import global_batch, paired_rows

# Guards the division when every target gets the same means.
_SPREAD_FLOOR = 1e-4


def swap_background(x_target, decoded_background, x_background):
    """`x_t - b + x_b`: the target with its own background replaced by another.

    For targets made as foreground + background, removing the model's decoded
    background b = E[x | s = 0, z = E[z|x_t]] and adding a background example keeps
    the foreground and swaps the background for one the model has seen, so the
    swapped target stays inside the data distribution. `x_t - b` is held fixed
    (`stop_gradient`): the swap is an input, not a path for gradients.

    Args:
        x_target: `(B, ...)` target examples.
        decoded_background: `(B, ...)` the model's background of each target.
        x_background: `(B, ...)` background examples, one paired with each target.

    Returns:
        A `(B, ...)` tensor shaped like `x_target`.
    """
    foreground = tf.stop_gradient(x_target - tf.cast(decoded_background, x_target.dtype))
    return foreground + tf.cast(x_background, x_target.dtype)


def salient_spread(target_means):
    """Mean squared distance of the targets' salient means from their batch mean.

    sum_d Var_i(E[s_d|x_i]) over the *global* batch (gathered under a distribution
    strategy, so every replica divides by the same number); differentiable.

    Args:
        target_means: `(B, d_s)` E[s|x_t] of this replica's targets.

    Returns:
        A scalar.
    """
    means = tf.cast(global_batch(target_means), tf.float32)
    return tf.reduce_mean(tf.reduce_sum(tf.square(means - tf.reduce_mean(means, 0)), -1))


def background_swap_penalty(salient_mean, x_target, decoded_background, x_background, target_means=None):
    """How far the salient means move when a target's background is swapped, as a
    share of their spread.

    Per example, ||E[s|x_t] - E[s|x_t - b + x_b]||^2 / (spread + 1e-4), with the
    spread of `salient_spread`. The MMD and Wasserstein penalties act on background
    examples' s only; this one asks a target's s to ignore which background it lies
    on. Dividing by the spread makes it scale-free: an encoder cannot lower it by
    shrinking the salient space.

    Args:
        salient_mean: callable mapping a batch of examples to E[s|x], `(N, d_s)`.
        x_target: `(B, ...)` target examples.
        decoded_background: `(B, ...)` the model's decoded background of each target.
        x_background: `(B, ...)` background examples paired with the targets.
        target_means: optional `(B, d_s)` E[s|x_t], when the caller has them (saves
            one encoder pass).

    Returns:
        A `(B,)` tensor.
    """
    if target_means is None:
        target_means = salient_mean(x_target)
    swapped = salient_mean(swap_background(x_target, decoded_background, x_background))  # (B, d_s)
    moves = tf.reduce_sum(tf.square(tf.cast(target_means, tf.float32) - tf.cast(swapped, tf.float32)), axis=-1)
    return moves / (salient_spread(target_means) + _SPREAD_FLOOR)


#: The recommended weight per input value: 100 for a 28x28 image.
RECOMMENDED_WEIGHT = 100.0 / 784


@keras.saving.register_keras_serializable(package="tfvae")
class BackgroundSwapInvariance(Regularizer):
    """Mean `background_swap_penalty` of the targets, times the number D of values
    in one example: salient means that stay put when a target's decoded background
    is swapped for a background example.

    The reconstruction term of the ELBO is a sum over the D values of an example;
    scaling the (dimensionless) relative move by D keeps their balance whatever the
    input size, so one `weight` (per value) serves 8x8 and 28x28 images alike.
    Target i of the global batch gets background example i mod B_b, however many
    replicas share the batch.

    Assumes: a target is its background plus (or overlaid by) a foreground in the
    space of the data values, so that `x_t - b + x_b` is a target with the same
    foreground over another background (additive or alpha composites of images).
    Counts break it (a program multiplies rates; library size scales a whole cell),
    so a `ContrastiveVAE` adds it by default only where its likelihood's
    `layers_add` holds.

    Args:
        weight: float or `tfvae.schedules.Schedule`, per input value
            (`RECOMMENDED_WEIGHT` = 100 / 784 is 100 on a 28x28 image).
        **kwargs: `keras.layers.Layer` arguments.
    """

    term = "invariance"

    def penalty(self, forward):
        q_s, q_z = forward.q_s, forward.q_z
        decoded = forward.decode_background(q_z.mean()).mean()  # (B_t, ...)
        paired = paired_rows(forward.x_background, tf.shape(forward.x_target)[0])  # (B_t, ...)
        penalty = background_swap_penalty(forward.salient_mean, forward.x_target, decoded, paired, q_s.mean())
        size = float(np.prod(forward.model.data_shape))  # D values per example
        return size * tf.reduce_mean(penalty)
