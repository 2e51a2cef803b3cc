"""Foreground images laid over random texture crops: a benchmark with known ground truth."""

import numpy as np

from pipelines.blending import compose, get_blend, quantize
from pipelines.checks import check_labels, to_unit_interval
from pipelines.contrastive_data import ContrastiveData
from pipelines.crops import check_disjoint, random_crops, region_boxes

LEFT_HALF = (0.0, 0.0, 1.0, 0.5)
RIGHT_HALF = (0.0, 0.5, 1.0, 0.5)


def foreground_on_background(
    foregrounds,
    labels,
    textures,
    *,
    num_background=None,
    blend="additive",
    target_region=LEFT_HALF,
    background_region=RIGHT_HALF,
    seed=0,
):
    """Overlays each foreground on a random texture crop; crops a background-only set.

    Target crops come only from `target_region` of every texture and background
    crops only from `background_region`; the regions must be disjoint, so the two
    sets never share a texture pixel.

    Args:
        foregrounds: array `(N, h, w)` or `(N, h, w, 1 or C)`, uint8 or floats in
            [0, 1] (e.g. digits). Grey foregrounds broadcast over colour channels.
        labels: optional int array `(N,)`.
        textures: one texture `(H, W)` or `(H, W, C)`, a stack `(T, H, W, C)`, or a
            list of textures with one channel count; uint8 or floats in [0, 1].
        num_background: int or None. Background-only examples (None: N).
        blend: `"additive"` (0.25 * fg + crop, clipped), `"alpha"`, or a blend
            object from `pipelines.blending` (e.g. `AdditiveBlend(scale=0.5)`).
        target_region: `(top, left, height, width)` fractions of each texture, or a
            sequence of such rectangles (crops are drawn uniformly over them).
        background_region: same, disjoint from `target_region`.
        seed: int. Fixes texture choice and crop positions.

    Returns:
        `ContrastiveData` of float32 arrays: `target` with `"x"` `(N, h, w, C)`,
        `"foreground"` (the foreground's contribution, `x - background`),
        `"background"` (the exact crop under each target) and `"label"`;
        `background` with `"x"` `(M, h, w, C)`. `x == foreground + background` exactly:
        pixels are multiples of 2**-16 (see `pipelines.blending`). The target's
        `"background"` field is ground truth; the background-only set is `background`.

    Raises:
        TypeError, ValueError: empty, non-finite, out-of-range or mis-shaped inputs,
            overlapping regions, or a texture (region) smaller than the crop.
    """
    foregrounds, textures = checked_inputs(foregrounds, textures, target_region, background_region)
    num = foregrounds.shape[0]
    num_background = num if num_background is None else int(num_background)
    if num_background < 1:
        raise ValueError(f"num_background must be a positive int, got {num_background}.")
    blend = get_blend(blend)
    rng = np.random.default_rng(seed)
    crop_size = foregrounds.shape[1:3]
    crops = _crops(textures, target_region, crop_size, num, rng)  # (N, h, w, C)
    background = _crops(textures, background_region, crop_size, num_background, rng)  # (M, h, w, C)
    target, contribution = compose(foregrounds, crops, blend)
    fields = {"x": target, "foreground": contribution, "background": crops}
    if labels is not None:
        fields["label"] = check_labels(labels, num)
    return ContrastiveData(target=fields, background={"x": background})


def checked_inputs(foregrounds, textures, target_region, background_region):
    """Foregrounds as float32 `(N, h, w, 1 or C)` and textures as a list of `(H, W, C)`,
    after the checks shared by every compositing function (ranges, shapes, channel
    counts, disjoint regions).

    Raises:
        TypeError, ValueError: see `foreground_on_background`.
    """
    foregrounds = to_unit_interval(foregrounds, "foregrounds")
    if foregrounds.ndim == 3:
        foregrounds = foregrounds[..., None]  # (N, h, w, 1)
    if foregrounds.ndim != 4:
        raise ValueError(f"foregrounds must be (N, h, w) or (N, h, w, C); got shape {foregrounds.shape}.")
    textures = _textures(textures)
    channels = textures[0].shape[-1]
    if foregrounds.shape[-1] not in (1, channels):
        raise ValueError(f"foregrounds have {foregrounds.shape[-1]} channels but textures have {channels}.")
    for texture in textures:
        check_disjoint(region_boxes(texture.shape, target_region), region_boxes(texture.shape, background_region))
    return foregrounds, textures


def _textures(textures):
    """Returns a list of float32 `(H, W, C)` textures on the blending grid."""
    if isinstance(textures, np.ndarray) and textures.ndim in (2, 3):
        textures = [textures]
    if len(textures) == 0:
        raise ValueError("textures is empty: give at least one texture.")
    out = []
    for i, texture in enumerate(textures):
        texture = to_unit_interval(texture, f"texture {i}")
        texture = texture[..., None] if texture.ndim == 2 else texture
        if texture.ndim != 3:
            raise ValueError(f"texture {i} must be (H, W) or (H, W, C); got shape {texture.shape}.")
        out.append(quantize(texture))
    if len({t.shape[-1] for t in out}) > 1:
        raise ValueError(f"textures have different channel counts: {[t.shape for t in out]}.")
    return out


def _crops(textures, region, crop_size, num, rng):
    """`num` crops from `region` of randomly chosen textures, float32 `(num, h, w, C)`."""
    choice = rng.integers(len(textures), size=num)
    out = np.empty((num, *crop_size, textures[0].shape[-1]), np.float32)
    for i, texture in enumerate(textures):
        picked = choice == i
        out[picked] = random_crops(texture, region_boxes(texture.shape, region), crop_size, int(picked.sum()), rng)[0]
    return out
