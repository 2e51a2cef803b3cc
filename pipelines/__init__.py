"""tf.data input pipelines and datasets for tfvae.

The tensorflow-datasets builder is not imported here (importing it registers
`mnist_on_grass` with tfds); `import pipelines.tfds_builder` to use `tfds.load`.
"""

from pipelines.blending import AdditiveBlend, AlphaBlend
from pipelines.contrastive_data import ContrastiveData
from pipelines.foreground import foreground_on_background
from pipelines.fresh_composites import composite_pairs
from pipelines.image_folder import from_image_folder
from pipelines.mnist_on_grass import mnist_digits, mnist_on_grass, mnist_on_grass_pairs
from pipelines.offline import digits_8x8, keep_digits, mnist_subset
from pipelines.pairing import contrastive_pairs
from pipelines.preprocessing import batch_pipeline, dynamic_binarize, scale_to_unit
from pipelines.service import LocalService, distribute
from pipelines.sources import as_examples, from_arrays
from pipelines.splits import take_split, to_arrays
from pipelines.synthetic import synthetic_subgroups
from pipelines.synthetic_counts import synthetic_counts
from pipelines.tfds_source import DatasetNotPreparedError, from_tfds, tfds_builder
from pipelines.tfrecords import read_tfrecords, verify_tfrecords, write_tfrecords
from pipelines.user_files import UserFiles, open_files, read_labels

__all__ = [
    "AdditiveBlend",
    "AlphaBlend",
    "UserFiles",
    "ContrastiveData",
    "DatasetNotPreparedError",
    "LocalService",
    "as_examples",
    "batch_pipeline",
    "composite_pairs",
    "contrastive_pairs",
    "digits_8x8",
    "distribute",
    "dynamic_binarize",
    "foreground_on_background",
    "from_arrays",
    "from_image_folder",
    "from_tfds",
    "keep_digits",
    "mnist_digits",
    "mnist_on_grass",
    "mnist_on_grass_pairs",
    "mnist_subset",
    "open_files",
    "read_labels",
    "read_tfrecords",
    "scale_to_unit",
    "synthetic_counts",
    "synthetic_subgroups",
    "take_split",
    "tfds_builder",
    "to_arrays",
    "verify_tfrecords",
    "write_tfrecords",
]
