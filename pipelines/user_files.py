"""A user's own files -> an unbatched `tf.data.Dataset` of `{"x"[, "label"]}`.

The path says the format:

- a folder of image files (`pipelines.from_image_folder`; class sub-folders give
  labels): grayscale when its first image has one or two channels, RGB when it
  has three or four (an alpha channel is dropped); all images of one size unless
  `image_size` resizes them. Streamed from disk.
- TFRecord shards written by `pipelines.write_tfrecords` (or `tfvae data write`):
  their folder (holding `spec.json`), one shard file or a glob of shard files.
  Streamed from disk, never loaded whole.
- `.npy` (one array of examples), `.npz` (array `x`, or its only array, and an
  optional `label` array) or `.csv` (one example per row of numbers; a first row
  that is not all numbers is a header, and a header column named `label` holds
  labels). Read into memory.

uint8 and uint16 values are scaled to float32 in [0, 1]; other numbers become
float32 as they are (counts stay counts, for Poisson or negative-binomial models).
"""

import csv
import dataclasses
import glob
import os

import numpy as np
import tensorflow as tf

from pipelines.checks import check_array
from pipelines.image_folder import EXTENSIONS, image_files, list_image_files
from pipelines.preprocessing import scale_to_unit
from pipelines.splits import take_split
from pipelines.tfrecords import read_tfrecords

ARRAY_FORMATS = (".npy", ".npz", ".csv")


@dataclasses.dataclass(frozen=True)
class UserFiles:
    """One opened source.

    Attributes:
        path: str. What the user gave.
        kind: str. `"images"`, `"shards"` or `"arrays"`.
        stored: unbatched `tf.data.Dataset` of the examples as stored, in a fixed
            order (for images, `{"x": file path[, "label"]}`).
        size: int. Number of examples.
        shape: tuple of ints. One example's shape.
        class_names: tuple of str. Names of the labels (image class folders, CSV
            text labels); empty when the labels are numbers or absent.
        decode: None, or the function that maps a stored element to an example
            (reading and decoding an image file).
    """

    path: str
    kind: str
    stored: tf.data.Dataset
    size: int
    shape: tuple
    class_names: tuple = ()
    decode: object = None

    @property
    def data(self):
        """Every example: `{"x": float32, "label": int64}` (no `"label"` when the files
        hold none), unbatched, in the stored order."""
        return self._decoded(self.stored)

    @property
    def labelled(self):
        return "label" in self.stored.element_spec

    def split(self, split, seed=0, validation=0.1, test=0.2):
        """The examples of one split (`pipelines.take_split`), chosen before any image
        is read, so a split decodes only its own files."""
        return self._decoded(take_split(self.stored, self.size, split, seed, validation, test))

    def _decoded(self, stored):
        if self.decode is None:
            return stored
        return stored.map(self.decode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


def open_files(path, image_size=None, name="data"):
    """Opens `path` (see the module docstring for the formats).

    Args:
        path: str. An image folder, shards, or a `.npy`/`.npz`/`.csv` file.
        image_size: optional `(height, width)`: resize images to it (images only).
        name: str. How messages call the source (e.g. `"--target"`).

    Returns:
        A `UserFiles`.

    Raises:
        FileNotFoundError: nothing at `path`.
        ValueError: a format it cannot read, an empty source, `image_size` for
            arrays or shards, or arrays that are not numbers.
    """
    if not glob.glob(path):
        raise FileNotFoundError(f"{name}: nothing at {path!r}.")
    shards = _is_shards(path)
    if os.path.isdir(path) and not shards:
        return _images(path, image_size, name)
    if image_size is not None:
        raise ValueError(f"{name}: an image size applies to image folders, not to {path!r}.")
    if shards:
        return _shards(path, name)
    if path.lower().endswith(ARRAY_FORMATS):
        return _arrays(path, name)
    raise ValueError(f"{name}: {path!r} is neither an image folder, TFRecord shards (a folder with spec.json, or "
                     f".tfrecord files) nor a {'/'.join(ARRAY_FORMATS)} file.")


def read_labels(path, size, name="labels"):
    """Integer labels from a `.npy` file or a text/CSV file of one label per line
    (numbers, or names numbered in sorted order).

    Returns:
        `(labels, class_names)`: int64 array `(size,)` and the sorted names (empty
        for numeric labels).

    Raises:
        FileNotFoundError, ValueError: no file, or not `size` labels.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{name}: no file {path!r}.")
    if path.lower().endswith(".npy"):
        values, names = np.load(path, allow_pickle=False).reshape(-1), ()
    else:
        with open(path, newline="") as f:
            cells = [row[0].strip() for row in csv.reader(f) if row and row[0].strip()]
        values, names = _numbered(cells)
    if len(values) != size:
        raise ValueError(f"{name}: {path!r} holds {len(values)} labels for {size} examples.")
    return np.asarray(values).astype("int64"), names


def with_labels(files, labels, class_names=()):
    """`files` with `labels` (int array, one per example) as their `"label"`."""
    labelled = tf.data.Dataset.zip(files.stored, tf.data.Dataset.from_tensor_slices(labels))
    stored = labelled.map(lambda e, y: {"x": e["x"], "label": y})
    return dataclasses.replace(files, stored=stored, class_names=tuple(class_names))


def _is_shards(path):
    if path.endswith(".tfrecord") or "*" in path:
        return True
    return os.path.isdir(path) and os.path.exists(os.path.join(path, "spec.json"))


def _shards(path, name):
    data = read_tfrecords(path)
    if "x" not in data.element_spec:
        raise ValueError(f"{name}: the shards at {path!r} hold no 'x' field; fields: {sorted(data.element_spec)}.")
    keep = [key for key in ("x", "label") if key in data.element_spec]
    data = scale_to_unit(data.map(lambda e: {key: e[key] for key in keep}), keys=("x",))
    return UserFiles(path, "shards", data, int(data.cardinality()), tuple(data.element_spec["x"].shape))


def _images(path, image_size, name):
    paths, _, class_names = list_image_files(path)
    try:
        channels = int(tf.io.decode_image(tf.io.read_file(paths[0]), expand_animations=False).shape[-1])
    except tf.errors.InvalidArgumentError:
        raise ValueError(f"{name}: {paths[0]!r} is not a readable image ({'/'.join(EXTENSIONS)}).") from None
    stored, load = image_files(path, image_size, "grayscale" if channels <= 2 else "rgb")

    def decode(element):
        example = load(element)  # uint8 images
        return {**example, "x": tf.cast(example["x"], tf.float32) / 255.0}

    shape = tuple(stored.map(decode).element_spec["x"].shape)  # static: nothing is read
    return UserFiles(path, "images", stored, len(paths), shape, tuple(class_names), decode)


def _arrays(path, name):
    labels, class_names = None, ()
    if path.lower().endswith(".npy"):
        x = np.load(path, allow_pickle=False)
    elif path.lower().endswith(".npz"):
        with np.load(path, allow_pickle=False) as arrays:
            keys = list(arrays)
            if "x" not in arrays and len(keys) != 1:
                raise ValueError(f"{name}: {path!r} holds arrays {keys}; name the examples 'x' (and labels 'label').")
            x = arrays["x" if "x" in arrays else keys[0]]
            labels = arrays["label"] if "label" in arrays else None
    else:
        x, labels, class_names = _csv(path, name)
    if x.ndim < 2:
        raise ValueError(f"{name}: {path!r} holds an array of shape {x.shape}; expected one example per row.")
    x = check_array(x, name)
    x = x / np.float32(np.iinfo(x.dtype).max) if x.dtype in (np.uint8, np.uint16) else x
    fields = {"x": x.astype("float32")}
    if labels is not None:
        fields["label"] = np.asarray(labels).astype("int64")
    return UserFiles(path, "arrays", tf.data.Dataset.from_tensor_slices(fields), len(x), x.shape[1:], class_names)


def _csv(path, name):
    """`(rows, labels or None, class names)` of a CSV file."""
    with open(path, newline="") as f:
        rows = [row for row in csv.reader(f) if row]
    if not rows:
        raise ValueError(f"{name}: {path!r} is empty.")
    header = None if all(_is_number(cell) for cell in rows[0]) else [cell.strip() for cell in rows.pop(0)]
    column = header.index("label") if header and "label" in header else None
    labels, names = (None, ())
    if column is not None:
        labels, names = _numbered([row[column].strip() for row in rows])
        rows = [row[:column] + row[column + 1:] for row in rows]
    try:
        x = np.asarray(rows, dtype="float64")
    except ValueError:
        raise ValueError(f"{name}: {path!r} holds cells that are not numbers (a text column other than 'label', "
                         "or rows of different lengths).") from None
    return x, labels, names


def _numbered(cells):
    """Labels as ints: the numbers themselves, or names numbered in sorted order."""
    if all(_is_number(cell) for cell in cells):
        return [int(float(cell)) for cell in cells], ()
    names = tuple(sorted(set(cells)))
    return [names.index(cell) for cell in cells], names


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False
