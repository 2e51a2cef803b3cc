"""Random crops from rectangular regions of a texture.

A region is `(top, left, height, width)` as fractions of the texture's height and
width, so one region spec fits textures of any size, or a sequence of such
rectangles (tiles, e.g. one colour of a checkerboard, so that two disjoint regions
still sample the texture's statistics alike). Crops never leave their rectangle,
which is how target and background sets are kept pixel-disjoint.
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


def region_boxes(texture_shape, region):
    """The pixel boxes of a region: one rectangle `(top, left, height, width)` or a
    sequence of them. Returns a list of `(top, left, bottom, right)`."""
    rectangles = [region] if len(region) == 4 and all(isinstance(v, (int, float)) for v in region) else list(region)
    if not rectangles:
        raise ValueError("a region needs at least one (top, left, height, width) rectangle.")
    return [region_box(texture_shape, r) for r in rectangles]


def check_disjoint(boxes_a, boxes_b, names=("target", "background")):
    """Raises ValueError when any box of `boxes_a` shares a pixel with one of `boxes_b`
    (each a pixel box or a list of them)."""
    boxes_a = [boxes_a] if isinstance(boxes_a, tuple) else boxes_a
    boxes_b = [boxes_b] if isinstance(boxes_b, tuple) else boxes_b
    for box_a in boxes_a:
        for box_b in boxes_b:
            rows = min(box_a[2], box_b[2]) - max(box_a[0], box_b[0])
            cols = min(box_a[3], box_b[3]) - max(box_a[1], box_b[1])
            if rows > 0 and cols > 0:
                raise ValueError(f"{names[0]} region {box_a} and {names[1]} region {box_b} overlap; they must be disjoint.")


def random_crops(texture, box, crop_size, num, rng):
    """Draws `num` crops uniformly from the crop positions inside `box`.

    Args:
        texture: array `(H, W, C)`.
        box: tuple or list of tuples. Pixel box(es) `(top, left, bottom, right)` from
            `region_box(es)`; every crop lies inside one box, and each position of
            every box is equally likely.
        crop_size: tuple. `(h, w)`.
        num: int. Number of crops.
        rng: `np.random.Generator`.

    Returns:
        `(crops, corners)`: array `(num, h, w, C)` and int `(num, 2)` top-left corners.

    Raises:
        ValueError: the texture or a box is smaller than the crop.
    """
    h, w = crop_size
    rows, cols = texture.shape[:2]
    if rows < h or cols < w:
        raise ValueError(f"texture of shape {texture.shape} is smaller than the {h}x{w} crop.")
    boxes = np.array([box] if isinstance(box, tuple) else box)  # (K, 4)
    heights, widths = boxes[:, 2] - boxes[:, 0] - h + 1, boxes[:, 3] - boxes[:, 1] - w + 1  # crop positions per box
    if (heights < 1).any() or (widths < 1).any():
        small = tuple(int(v) for v in boxes[np.argmax((heights < 1) | (widths < 1))])
        raise ValueError(
            f"texture region {small} ({small[2] - small[0]}x{small[3] - small[1]} pixels of a {rows}x{cols} texture) "
            f"is smaller than the {h}x{w} crop; use a larger texture or region."
        )
    positions = heights * widths
    picked = rng.choice(len(boxes), size=num, p=positions / positions.sum())  # (num,)
    corners = np.stack(
        [boxes[picked, 0] + rng.integers(0, heights[picked]), boxes[picked, 1] + rng.integers(0, widths[picked])], axis=1
    )  # (num, 2)
    row_index = corners[:, :1] + np.arange(h)  # (num, h)
    col_index = corners[:, 1:] + np.arange(w)  # (num, w)
    return texture[row_index[:, :, None], col_index[:, None, :]], corners  # (num, h, w, C)
