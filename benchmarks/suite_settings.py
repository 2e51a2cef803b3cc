"""The settings of the separation suite: data, latent sizes and training length.

Two settings are the ones tfvae's recipe was tuned on (MNIST digits over
scikit-image's grass, additive blend); the others were never used to choose
anything: another texture (gravel, brick), another blend rule (alpha
compositing), another digit source with a small training set (scikit-learn's
8x8 digits), and single-cell-like counts (`pipelines.synthetic_counts`).

Image settings train on an endless stream with a fresh texture crop for every
example (`pipelines.composite_pairs`) and test on unseen digits over crops from
the texture's other half (`pipelines.mnist_on_grass.SPLIT_REGIONS`). Every
setting is built from packaged data, offline.
"""

import dataclasses

import numpy as np

import pipelines
from pipelines.mnist_on_grass import SPLIT_REGIONS


@dataclasses.dataclass(frozen=True)
class Setting:
    """One suite setting.

    Attributes:
        description: str. One line for the report.
        tuned: bool. Whether tfvae's defaults were chosen on it.
        salient_dim, background_dim: ints. Latent sizes (contrastive PCA gets
            `salient_dim` components).
        steps: int. Optimizer steps of batch 64 per model.
        digits: tuple of ints, or None for counts.
        source: str. `"mnist"`, `"digits_8x8"` or `"counts"`.
        texture: str. A `skimage.data` texture.
        blend: str. `"additive"` or `"alpha"`.
        train_digits: int or None. Keep this many training digits.
        likelihood: str or None. What a user passes for this data (None: default).
    """

    description: str
    tuned: bool
    salient_dim: int
    background_dim: int
    steps: int
    digits: tuple = None
    source: str = "mnist"
    texture: str = "grass"
    blend: str = "additive"
    train_digits: int = None
    likelihood: str = None


SETTINGS = {
    "grass_01": Setting("MNIST 0/1 over grass, additive (tuned on)", True, 2, 16, 1200, (0, 1)),
    "grass_all": Setting("MNIST all ten over grass, additive (tuned on)", True, 10, 64, 1800, tuple(range(10))),
    "gravel_0123": Setting("MNIST 0-3 over gravel, additive", False, 2, 16, 1200, (0, 1, 2, 3), texture="gravel"),
    "alpha_0123": Setting("MNIST 0-3 alpha-composited over grass", False, 2, 16, 1200, (0, 1, 2, 3), blend="alpha"),
    # 4000 steps (8x8 steps are cheap): at 1200 the defaults' salient space was still
    # forming (seed 0: silhouette 0.03, one of two units in use; 0.32 at 4000).
    "small_brick": Setting("500 scikit-learn 8x8 digits 0-4 over brick, additive", False, 2, 8, 4000, (0, 1, 2, 3, 4),
                           source="digits_8x8", texture="brick", train_digits=500),
    "counts": Setting("single-cell-like counts: 4 shared cell types, 2 weak target-only subgroups (negative binomial)",
                      False, 2, 8, 1200, source="counts", likelihood="negative_binomial"),
}


@dataclasses.dataclass
class SuiteData:
    """A setting's data for one seed.

    Attributes:
        train_pairs: endless unbatched `tf.data.Dataset` of `{"target", "background"}`.
        train: `ContrastiveData` of fixed training examples (contrastive PCA, the
            mean-background reference).
        test: `ContrastiveData` of test examples with labels (and, for images,
            `"background"` ground truth under each target).
        input_shape: tuple of ints.
    """

    train_pairs: object
    train: object
    test: object
    input_shape: tuple


def load(name, seed):
    """The data of setting `name` for `seed` (crops, digit order, count draws)."""
    setting = SETTINGS[name]
    if setting.source == "counts":
        return _counts(seed)
    from skimage import data

    texture = getattr(data, setting.texture)()
    splits = {}
    for split in ("train", "test"):
        images, labels = _digits(setting, split, seed)
        target_region, background_region = SPLIT_REGIONS[split]
        regions = dict(blend=setting.blend, target_region=target_region, background_region=background_region)
        split_seed = seed * 2 + (split == "test")
        splits[split] = pipelines.foreground_on_background(images, labels, texture, seed=split_seed, **regions)
        target = splits[split].target
        target["digit"] = images.reshape(target["x"].shape[:3] + (1,))  # its alpha, the true mask
        # The foreground as a layer of its own: alpha x colour (1) when composited, the added part when added.
        target["foreground_layer"] = target["digit"] if setting.blend == "alpha" else target["foreground"]
        if split == "train":
            pairs = pipelines.composite_pairs(images, labels, texture, seed=split_seed, **regions)
    pairs = pairs.map(lambda p: {"target": p["target"], "background": p["background"]})
    return SuiteData(pairs, splits["train"], splits["test"], splits["train"].target["x"].shape[1:])


def _digits(setting, split, seed):
    """The digit images and labels of a split, kept to the setting's classes and size."""
    if setting.source == "mnist":
        images, labels = pipelines.mnist_digits(split)
    else:
        images, labels = pipelines.digits_8x8(split)
    images, labels = pipelines.keep_digits(images, labels, setting.digits)
    if split == "train" and setting.train_digits:
        keep = np.random.default_rng(seed).permutation(len(labels))[: setting.train_digits]
        images, labels = images[keep], labels[keep]
    return images, labels


def _counts(seed, num_train=1000, num_test=500):
    """Counts: one draw of `synthetic_counts` (one set of gene baselines) split into
    `num_train` training and `num_test` test cells of each set."""
    full = pipelines.synthetic_counts(num_train + num_test, num_train + num_test, seed=seed)
    cut = lambda fields, part: {k: v[:num_train] if part == "train" else v[num_train:] for k, v in fields.items()}
    train, test = (pipelines.ContrastiveData(cut(full.target, part), cut(full.background, part)) for part in ("train", "test"))
    pairs = pipelines.contrastive_pairs({"x": train.target["x"]}, {"x": train.background["x"]}, seed=seed)
    return SuiteData(pairs.repeat(), train, test, train.target["x"].shape[1:])
