"""tensorflow-datasets -> example dicts, read only from local files, never downloaded."""

import glob
import os

import tensorflow as tf


class DatasetNotPreparedError(FileNotFoundError):
    """A tensorflow-datasets dataset is not on local disk; the message says how to get it."""


def tfds_builder(name, data_dir=None):
    """Returns the prepared `tfds` builder of `name` in `data_dir`, without network access.

    Args:
        name: str. A tensorflow-datasets name, e.g. `"mnist"` or `"mnist/3.0.1"`.
        data_dir: str or None. Where prepared datasets live (None: the tfds default,
            `$TFDS_DATA_DIR` or `~/tensorflow_datasets`).

    Raises:
        DatasetNotPreparedError: the dataset is not prepared in `data_dir`; the
            message names the directory and the download step to run elsewhere.
    """
    import tensorflow_datasets as tfds

    builder = tfds.builder(name, data_dir=data_dir)
    if not builder.is_prepared():
        root = os.path.dirname(os.path.dirname(builder.data_dir))
        raise DatasetNotPreparedError(
            f"tensorflow-datasets {name!r} is not prepared in data_dir {root!r} (looked for "
            f"{builder.data_dir!r}); tfvae never downloads. On a machine with network access run "
            f"`tfds build {name} --data_dir=DIR` (or `tfds.builder({name!r}, data_dir=DIR)"
            f".download_and_prepare()`), then copy DIR/{name.split('/')[0]} into {root!r} "
            f"or pass data_dir=DIR."
        )
    return builder


def looks_prepared(name, data_dir=None):
    """Whether a prepared copy of tensorflow-datasets `name` may be on disk: some
    `DATA_DIR/<name>/**/dataset_info.json` exists. A cheap look before
    `tfds_builder`, which warns about every folder it finds without one."""
    root = data_dir or os.environ.get("TFDS_DATA_DIR") or os.path.join(os.path.expanduser("~"), "tensorflow_datasets")
    base = name.split(":")[0].split("/")[0]
    return bool(glob.glob(os.path.join(root, base, "**", "dataset_info.json"), recursive=True))


def from_tfds(name, split, data_dir=None, image_key="image", label_key="label"):
    """Streams a locally prepared tensorflow-datasets split as example dicts.

    Args:
        name: str. Dataset name (optionally `name/config:version`).
        split: str. A tfds split, e.g. `"train"` or `"test[:10%]"`.
        data_dir: str or None. See `tfds_builder`.
        image_key: str. Feature renamed `"x"`.
        label_key: str or None. Feature renamed `"label"` when present.

    Returns:
        An unbatched `tf.data.Dataset` of `{"x": ..., "label": ...}` in file order.

    Raises:
        DatasetNotPreparedError: see `tfds_builder`.
        KeyError: `image_key` is not a feature of the dataset.
    """
    builder = tfds_builder(name, data_dir)
    features = builder.info.features
    if image_key not in features:
        raise KeyError(f"{name!r} has no feature {image_key!r}; features: {sorted(features)}.")
    keep_label = label_key is not None and label_key in features
    data = builder.as_dataset(split=split, shuffle_files=False)

    def rename(example):
        out = {"x": example[image_key]}
        if keep_label:
            out["label"] = tf.cast(example[label_key], tf.int64)
        return out

    return data.map(rename, num_parallel_calls=tf.data.AUTOTUNE)
