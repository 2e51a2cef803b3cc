"""How a foreground image is laid over a background crop, with exact ground truth.

Target pixels are rounded to multiples of `QUANTUM` = 2**-16 (an error below
8e-6, far under 8-bit resolution) and background pixels already are, so every
value has at most 17 significant bits and float32 adds and subtracts them
exactly. The foreground's contribution is then defined as `target - background`
and `target == foreground + background` holds bit for bit, clipping included.

The blends also take `tf.Tensor`s, so `pipelines.composite_pairs` can compose
inside a tf.data graph.
"""

import dataclasses

import numpy as np
import tensorflow as tf

QUANTUM = 2.0**-16


def quantize(x):
    """Rounds to the nearest multiple of `QUANTUM` and returns float32."""
    return (np.round(np.asarray(x, np.float64) / QUANTUM) * QUANTUM).astype(np.float32)


@dataclasses.dataclass(frozen=True)
class AdditiveBlend:
    """`target = clip(scale * foreground + background, 0, 1)`.

    The contrastive-PCA image experiment (Abid et al., 2018) adds 0.25 * digit to
    grass, the default here. With `clip=False` targets may exceed 1.

    Args:
        scale: float in (0, 1]. Weight of the foreground.
        clip: bool. Clip the target to [0, 1].
    """

    scale: float = 0.25
    clip: bool = True

    def __post_init__(self):
        if not 0.0 < self.scale <= 1.0:
            raise ValueError(f"AdditiveBlend scale must lie in (0, 1], got {self.scale}.")

    def __call__(self, foreground, background):
        raw = self.scale * foreground + background
        if not self.clip:
            return raw
        return tf.clip_by_value(raw, 0.0, 1.0) if tf.is_tensor(raw) else np.clip(raw, 0.0, 1.0)


@dataclasses.dataclass(frozen=True)
class AlphaBlend:
    """Alpha compositing: `target = a * color + (1 - a) * background`, `a = opacity * foreground`.

    The foreground's intensity is its alpha (a digit's stroke is opaque, its
    surround transparent); its contribution `a * (color - background)` may be negative.

    Args:
        opacity: float in [0, 1].
        color: float or tuple of per-channel floats in [0, 1]; the foreground's colour.
    """

    opacity: float = 1.0
    color: object = 1.0

    def __post_init__(self):
        color = np.asarray(self.color, np.float64)
        if not 0.0 <= self.opacity <= 1.0 or color.min() < 0.0 or color.max() > 1.0:
            raise ValueError(f"AlphaBlend opacity and color must lie in [0, 1], got {self.opacity}, {self.color}.")

    def __call__(self, foreground, background):
        alpha = self.opacity * foreground
        color = tf.constant(self.color, alpha.dtype) if tf.is_tensor(alpha) else np.asarray(self.color, np.float64)
        return alpha * color + (1.0 - alpha) * background


BLENDS = {"additive": AdditiveBlend, "alpha": AlphaBlend}


def get_blend(blend):
    """Returns a blend object from `"additive"`, `"alpha"` or a callable `(fg, bg) -> target`."""
    if isinstance(blend, str):
        if blend not in BLENDS:
            raise ValueError(f"blend must be one of {sorted(BLENDS)} or a blend object, got {blend!r}.")
        return BLENDS[blend]()
    if not callable(blend):
        raise TypeError(f"blend must be a str or a callable (foreground, background) -> target, got {blend!r}.")
    return blend


def compose(foreground, background, blend):
    """Blends foregrounds over background crops.

    Args:
        foreground: float32 `(N, h, w, 1 or C)` in [0, 1].
        background: float32 `(N, h, w, C)`, multiples of `QUANTUM`.
        blend: a blend object (see `get_blend`).

    Returns:
        `(target, contribution)`, float32 `(N, h, w, C)` each, with
        `target == contribution + background` exactly.
    """
    target = quantize(blend(foreground.astype(np.float64), background.astype(np.float64)))
    if target.shape != background.shape:
        raise ValueError(
            f"the blend gave targets of shape {target.shape} over background crops of shape "
            f"{background.shape}; a colour with more channels than the textures?"
        )
    return target, target - background  # (N, h, w, C) each
