"""Foregrounds laid over fresh texture crops inside tf.data, so no pair ever repeats.

`foreground_on_background` composes a fixed set once, in numpy; a model trained
on it for many epochs sees each foreground over the same few crops and can learn
the pairs by heart. `composite_pairs` draws a new crop for every target and every
background-only example, in the graph (stateless random ops seeded from one int),
so the stream is infinite, reproducible and needs no Python per example.
"""

import numpy as np
import tensorflow as tf

from pipelines.blending import get_blend
from pipelines.checks import check_labels
from pipelines.crops import region_boxes
from pipelines.foreground import LEFT_HALF, RIGHT_HALF, checked_inputs


def composite_pairs(
    foregrounds,
    labels,
    textures,
    *,
    blend="additive",
    target_region=LEFT_HALF,
    background_region=RIGHT_HALF,
    seed=0,
):
    """An infinite stream of `{"target", "background"[, "label"]}` over fresh crops.

    Each element takes the next foreground (reshuffled every pass), lays it over a
    crop drawn uniformly from `target_region` of a uniformly chosen texture, and
    pairs it with a background-only crop from `background_region`: the same
    distribution as `foreground_on_background`, redrawn for every element.

    Args:
        foregrounds: array `(N, h, w)` or `(N, h, w, 1 or C)`, uint8 or floats in [0, 1].
        labels: optional int array `(N,)`.
        textures: see `foreground_on_background`.
        blend: `"additive"`, `"alpha"`, or a blend object; a callable blend must
            accept `tf.Tensor`s (the built-in ones do).
        target_region, background_region: disjoint regions, see `pipelines.crops`.
        seed: int. Fixes the foreground order and every crop.

    Returns:
        An infinite, unbatched `tf.data.Dataset` of float32 `"target"` and
        `"background"` `(h, w, C)` and int64 `"label"`; take `steps_per_epoch`
        batches per epoch (e.g. `batch_pipeline(..., shuffle=False)` then
        `fit(..., steps_per_epoch=...)`).

    Raises:
        TypeError, ValueError: as `foreground_on_background`.
    """
    foregrounds, textures = checked_inputs(foregrounds, textures, target_region, background_region)
    crop_size = foregrounds.shape[1:3]
    stack = _stack(textures)  # (T, H, W, C)
    target_crops = _CropSampler(stack, _box_table(textures, target_region, crop_size), crop_size)
    background_crops = _CropSampler(stack, _box_table(textures, background_region, crop_size), crop_size)
    blend = get_blend(blend)
    fields = {"foreground": foregrounds.astype(np.float32)}
    if labels is not None:
        fields["label"] = check_labels(labels, len(foregrounds))
    order_seed, crop_seed = (int(s) for s in np.random.SeedSequence(seed).generate_state(2))
    items = tf.data.Dataset.from_tensor_slices(fields).shuffle(len(foregrounds), seed=order_seed).repeat()
    keys = tf.data.Dataset.random(seed=crop_seed)  # one int64 per element, the seed of its two crops

    def compose(item, key):
        # A stateless seed is two words; any fixed function of `key` serves as the second.
        seeds = tf.random.experimental.stateless_split(tf.stack([key, key // 7 + 1]), 2)  # (2, 2)
        crop = target_crops(seeds[0])
        out = {"target": tf.cast(blend(item["foreground"], crop), tf.float32), "background": background_crops(seeds[1])}
        if "label" in item:
            out["label"] = item["label"]
        return out

    return tf.data.Dataset.zip(items, keys).map(compose, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


def _stack(textures):
    """Textures zero-padded to one `(T, H_max, W_max, C)` tensor (crops never reach the padding)."""
    rows, cols = max(t.shape[0] for t in textures), max(t.shape[1] for t in textures)
    out = np.zeros((len(textures), rows, cols, textures[0].shape[-1]), np.float32)
    for i, texture in enumerate(textures):
        out[i, : texture.shape[0], : texture.shape[1]] = texture
    return tf.constant(out)


def _box_table(textures, region, crop_size):
    """Every box of `region` in every texture as int rows `(texture, top, left, rows,
    cols)` (`rows`, `cols`: crop positions), with the log-probability of drawing it:
    texture uniform, then box in proportion to its positions (as `random_crops`)."""
    table, log_p = [], []
    for i, texture in enumerate(textures):
        boxes = np.array(region_boxes(texture.shape, region))  # (K, 4)
        rows, cols = boxes[:, 2] - boxes[:, 0] - crop_size[0] + 1, boxes[:, 3] - boxes[:, 1] - crop_size[1] + 1
        if (rows < 1).any() or (cols < 1).any():
            raise ValueError(
                f"a region box of texture {i} ({texture.shape[0]}x{texture.shape[1]}) is smaller than the "
                f"{crop_size[0]}x{crop_size[1]} crop; use a larger texture or region."
            )
        positions = rows * cols
        table += [(i, b[0], b[1], r, c) for b, r, c in zip(boxes, rows, cols)]
        log_p += list(np.log(positions / positions.sum() / len(textures)))
    return np.array(table, np.int32), np.array(log_p, np.float32)


class _CropSampler:
    """`sampler(seed)` -> one crop `(h, w, C)` drawn with stateless ops from a box table."""

    def __init__(self, stack, box_table, crop_size):
        self.stack, self.crop_size = stack, tuple(int(v) for v in crop_size)
        self.table, self.log_p = tf.constant(box_table[0]), tf.constant(box_table[1])[None]

    def __call__(self, seed):
        seeds = tf.random.experimental.stateless_split(seed, 3)
        box = self.table[tf.random.stateless_categorical(self.log_p, 1, seeds[0])[0, 0]]  # (5,)
        top = box[1] + tf.random.stateless_uniform((), seeds[1], 0, box[3], tf.int32)
        left = box[2] + tf.random.stateless_uniform((), seeds[2], 0, box[4], tf.int32)
        size = (1, *self.crop_size, -1)
        return tf.slice(self.stack, tf.stack([box[0], top, left, 0]), size)[0]
