"""Image grids for TensorBoard: rows of images tiled into one picture."""

import numpy as np


def image_grid(rows, pad=1, pad_value=1.0):
    """Tiles rows of images into one image.

    Args:
        rows: list of arrays `(n_r, H, W, C)`, one per grid row, values in [0, 1];
            shorter rows are padded on the right.
        pad: int. Pixels between images.
        pad_value: float. Colour of the padding.

    Returns:
        Float32 array `(1, R * (H + pad) - pad, n * (W + pad) - pad, C)` with
        `R = len(rows)` and `n` the longest row, ready for `tf.summary.image`.
    """
    rows = [np.asarray(r, dtype="float32") for r in rows]
    h, w, c = rows[0].shape[1:]
    n = max(len(r) for r in rows)
    grid = np.full((len(rows) * (h + pad) - pad, n * (w + pad) - pad, c), pad_value, dtype="float32")
    for i, row in enumerate(rows):
        for j, image in enumerate(row):
            grid[i * (h + pad) : i * (h + pad) + h, j * (w + pad) : j * (w + pad) + w] = image
    return grid[None]


def chunk(images, columns):
    """Splits `(N, H, W, C)` into rows of at most `columns` images, for `image_grid`."""
    return [images[start : start + columns] for start in range(0, len(images), columns)]


def to_unit(images, value_range):
    """Maps `images` from `value_range = (low, high)` to [0, 1], clipping outside values."""
    low, high = value_range
    return np.clip((np.asarray(images, dtype="float32") - low) / (high - low), 0.0, 1.0)
