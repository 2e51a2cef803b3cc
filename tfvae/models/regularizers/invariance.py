"""Background-swap invariance of the salient posterior means (a tfvae addition)."""

import tensorflow as tf

from tfvae.models.replicas import global_batch, local_rows

# Guards the relative penalty's division when every target gets the same means.
_SPREAD_FLOOR = 1e-4


def swap_background(x_target, decoded_background, x_background):
    """`x_t - b + x_b`: the target with its own background replaced by another.

    For targets made as foreground + background, removing the model's decoded
    background b = E[x | s = 0, z = E[z|x_t]] and adding a background example keeps
    the foreground and swaps the background for one the model has seen, so the
    swapped target stays inside the data distribution. `x_t - b` is held fixed
    (`stop_gradient`): the swap is an input, not a path for gradients. Passing the
    model's reconstruction E[x | s, z] as `x_target` swaps onto x_b the decoded
    foreground alone, without the part of x_t the model does not reconstruct
    (e.g. the fine texture of the target's own background).

    Args:
        x_target: `(B, ...)` target examples (or their reconstructions).
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


def swap_contrast(target_means, swapped_means, scale, temperature):
    """InfoNCE of each target's salient means against the global batch's swapped means.

    With d_ij = ||E[s|x_i] - E[s|swap_j]||^2 / scale and logits -d_ij / temperature,
    the loss of target i is logsumexp_j(-d_ij / T) + d_ii / T (van den Oord et al.
    2018; SimCLR, Chen et al. 2020): its swapped image should lie nearer its own
    means than the other targets' swapped images do. The squared form asks only the
    first; the other targets of the *global* batch (gathered under a distribution
    strategy, so the value does not depend on the number of replicas) are the
    negatives here, which also pushes targets apart.

    Args:
        target_means: `(B, d_s)` E[s|x_t] of this replica's targets.
        swapped_means: `(B, d_s)` E[s|swap_i], the same targets on swapped backgrounds.
        scale: scalar dividing the squared distances (the salient spread for the
            relative form, else 1).
        temperature: float > 0.

    Returns:
        A `(B,)` tensor, each value >= 0.
    """
    a = tf.cast(target_means, tf.float32)
    p = tf.cast(global_batch(swapped_means), tf.float32)  # (B_global, d_s)
    distances = tf.reduce_sum(tf.square(a[:, None, :] - p[None, :, :]), -1) / scale  # (B, B_global)
    logits = -distances / temperature
    own = tf.linalg.diag_part(local_rows(logits, tf.shape(a)[0], axis=1))  # -d_ii / T, this replica's columns
    return tf.reduce_logsumexp(logits, -1) - own


def background_swap_penalty(
    salient_mean, x_target, decoded_background, x_background, target_means=None, relative=False, swap_source=None,
    temperature=0.0,
):
    """How far the salient means move when a target's background is swapped.

    Per example, ||E[s|x_t] - E[s|x_t - b + x_b]||^2 (`swap_background`); with
    `swap_source` r (the model's reconstruction of x_t), ||E[s|x_t] - E[s|r - b + x_b]||^2:
    the decoded foreground laid on x_b, so that the swapped image keeps none of
    x_t's own background texture that b does not model. The MMD
    and Wasserstein penalties act on background examples' s only; this one asks a
    target's s to ignore which background it lies on.

    With `relative=True` each value is divided by `salient_spread` of the target
    means (plus a floor of 1e-4): the batch mean is then the swap's move as a share
    of the salient means' spread. It does not change when the salient space is
    scaled, so an encoder cannot lower it by shrinking the salient space, which
    lowers the absolute form. (Emptying a dimension that mostly moves with the
    background still lowers it: at weight 300 one of three 0/1 runs kept 1 of 2
    units, docs/separation_benchmark.md.)

    Args:
        salient_mean: callable mapping a batch of examples to the posterior means
            E[s|x], `(N, d_s)`.
        x_target: `(B, ...)` target examples.
        decoded_background: `(B, ...)` the model's decoded background of each target.
        x_background: `(B, ...)` background examples paired with the targets.
        target_means: optional `(B, d_s)` E[s|x_t], when the caller has them (saves
            one encoder pass).
        relative: bool. Divide by the spread of the target means (see above).
        swap_source: optional `(B, ...)` image whose background is swapped in place
            of `x_target` (held fixed).
        temperature: float. 0: the squared moves above; > 0: `swap_contrast`, with
            the global batch's other targets as the negatives.

    Returns:
        A `(B,)` tensor.
    """
    if target_means is None:
        target_means = salient_mean(x_target)
    source = x_target if swap_source is None else tf.cast(swap_source, x_target.dtype)
    swapped = salient_mean(swap_background(source, decoded_background, x_background))  # (B, d_s)
    scale = salient_spread(target_means) + _SPREAD_FLOOR if relative else 1.0
    if temperature:
        return swap_contrast(target_means, swapped, scale, temperature)
    return tf.reduce_sum(tf.square(tf.cast(target_means, tf.float32) - tf.cast(swapped, tf.float32)), axis=-1) / scale
