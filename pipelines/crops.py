"""Random crops from rectangular regions of a texture.

A region is `(top, left, height, width)` as fractions of the texture's height and
width, so one region spec fits textures of any size. Crops never leave their
region, which is how target and background sets are kept pixel-disjoint.
"""

import numpy as np


def region_box(texture_shape, region):
    """Returns the pixel box `(top, left, bottom, right)` (exclusive end) of a region.

    Args:
        texture_shape: tuple. `(H, W)` or `(H, W, C)`.
        region: tuple of 4 floats. `(top, left, height, width)` fractions in [0, 1].
    """
    top, left, height, width = (float(v) for v in region)
    if min(top, left) < 0 or height <= 0 or width <= 0 or top + height > 1 or left + width > 1:
        raise ValueError(f"region {region} must be (top, left, height, width) fractions inside [0, 1].")
    rows, cols = texture_shape[:2]
    return (round(top * rows), round(left * cols), round((top + height) * rows), round((left + width) * cols))


def check_disjoint(box_a, box_b, names=("target", "background")):
    """Raises ValueError when two pixel boxes share any pixel."""
    rows = min(box_a[2], box_b[2]) - max(box_a[0], box_b[0])
    cols = min(box_a[3], box_b[3]) - max(box_a[1], box_b[1])
    if rows > 0 and cols > 0:
        raise ValueError(f"{names[0]} region {box_a} and {names[1]} region {box_b} overlap; they must be disjoint.")


def random_crops(texture, box, crop_size, num, rng):
    """Draws `num` crops uniformly from inside `box`.

    Args:
        texture: array `(H, W, C)`.
        box: tuple. Pixel box `(top, left, bottom, right)` from `region_box`.
        crop_size: tuple. `(h, w)`.
        num: int. Number of crops.
        rng: `np.random.Generator`.

    Returns:
        `(crops, corners)`: array `(num, h, w, C)` and int `(num, 2)` top-left corners.

    Raises:
        ValueError: the texture or the box is smaller than the crop.
    """
    h, w = crop_size
    rows, cols = texture.shape[:2]
    if rows < h or cols < w:
        raise ValueError(f"texture of shape {texture.shape} is smaller than the {h}x{w} crop.")
    top, left, bottom, right = box
    if bottom - top < h or right - left < w:
        raise ValueError(
            f"texture region {box} ({bottom - top}x{right - left} pixels of a {rows}x{cols} texture) "
            f"is smaller than the {h}x{w} crop; use a larger texture or region."
        )
    corners = np.stack(
        [rng.integers(top, bottom - h + 1, size=num), rng.integers(left, right - w + 1, size=num)], axis=1
    )  # (num, 2)
    row_index = corners[:, :1] + np.arange(h)  # (num, h)
    col_index = corners[:, 1:] + np.arange(w)  # (num, w)
    return texture[row_index[:, :, None], col_index[:, None, :]], corners  # (num, h, w, C)
