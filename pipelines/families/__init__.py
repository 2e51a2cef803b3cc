"""Families of contrastive settings drawn from a seed, built only from packaged data.

A family is a function `draw(seed) -> DrawnSetting`: every choice that makes a
setting (its sizes, signal strengths, data sources and blend) is drawn from
`numpy.random.default_rng(seed)`, so one seed is one reproducible setting. The
benchmark protocol (`benchmarks/draws.py`) chooses defaults on development draws
(seeds below `DEVELOPMENT_SEEDS`) and reports on fresh ones (seeds from
`REPORT_SEEDS` up), never used to choose anything.
"""

import dataclasses

#: Seeds below this are development draws: the only ones used to choose anything.
DEVELOPMENT_SEEDS = 1000
#: Report draws start here.
REPORT_SEEDS = 10_000


@dataclasses.dataclass(frozen=True)
class DrawnSetting:
    """One drawn contrastive setting.

    Attributes:
        family: str. The family's name (`FAMILIES`).
        seed: int. The seed it was drawn from.
        params: dict. The drawn choices, JSON-serializable (for the report).
        train: `pipelines.ContrastiveData`. Training targets `{"x", "label"}` and
            backgrounds `{"x"}`; labels are for scoring and for contrastive PCA's
            alpha only, never for training a model.
        test: `pipelines.ContrastiveData`. Unseen targets `{"x", "label"}` (images
            also `"background"`: the true background under each target) and unseen
            backgrounds `{"x"}`.
        likelihood: str or None. What a user passes for this data
            (`"negative_binomial"` for counts); None: the model's default.
        salient_dim: int. Size of s (contrastive PCA gets as many components).
        background_dim: int. Size of z.
    """

    family: str
    seed: int
    params: dict
    train: object
    test: object
    likelihood: str = None
    salient_dim: int = 2
    background_dim: int = 8


def _families():
    from pipelines.families import counts, images, vectors

    return {"vectors": vectors.draw, "counts": counts.draw, "images": images.draw}


def draw(family, seed):
    """The setting of `family` drawn from `seed`.

    Raises:
        ValueError: an unknown family.
    """
    families = _families()
    if family not in families:
        raise ValueError(f"unknown family {family!r}; families: {', '.join(families)}.")
    return families[family](int(seed))


#: The family names, in report order.
FAMILIES = ("vectors", "counts", "images")

__all__ = ["DEVELOPMENT_SEEDS", "FAMILIES", "REPORT_SEEDS", "DrawnSetting", "draw"]
