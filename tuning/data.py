"""The data formats `tuning.search` accepts, turned into what `fit` and the held-out
metrics need.

Accepted per split: a batched `tf.data.Dataset` of the model's batches (used as
is), an array `(N, ...)` of examples (plain VAE only), or a dict of arrays with
the model's keys (`"x"` for the VAE; `"target"` and `"background"` for the
contrastive VAE) plus an optional int `"label"` `(N,)` aligned with the examples.
Shuffling, pairing and preprocessing beyond this belong to `pipelines`.
"""

import numpy as np
import tensorflow as tf

LABEL_KEY = "label"


def check(data, keys, name):
    """Raises `ValueError` unless `data` can hold batches with the keys `keys`.

    Args:
        data: a split, in one of the formats of the module docstring.
        keys: tuple of str. Keys the model's batches need, e.g. `("x",)`.
        name: str. The split's name, for messages.
    """
    if isinstance(data, tf.data.Dataset):
        spec = data.element_spec
        present = set(spec) if isinstance(spec, dict) else {"x"}
    elif isinstance(data, dict):
        present = set(data)
    elif hasattr(data, "shape"):
        present = {"x"}
    else:
        raise ValueError(f"{name}: expected an array, a dict of arrays or a tf.data.Dataset; got {type(data).__name__}.")
    missing = [key for key in keys if key not in present]
    if missing:
        raise ValueError(f"{name}: this model's batches need the keys {list(keys)}; missing {missing}.")


def example_shape(data, key):
    """Shape of one example under `key` (arrays: `shape[1:]`; datasets: batched spec)."""
    if isinstance(data, tf.data.Dataset):
        spec = data.element_spec
        spec = spec[key] if isinstance(spec, dict) else spec
        return tuple(int(d) for d in spec.shape[1:])
    array = data[key] if isinstance(data, dict) else data
    return tuple(int(d) for d in np.shape(array)[1:])


def as_batches(data, batch_size, shuffle_seed=None):
    """A batched `tf.data.Dataset` of `data` (datasets are returned unchanged).

    In a dict holding both `"target"` and `"background"`, the background set is
    cycled (or cut) to the target's length, so the two zip example by example.

    Args:
        data: a split, in one of the formats of the module docstring.
        batch_size: int. Examples per batch.
        shuffle_seed: int or None. Reshuffle every epoch with this seed (None: keep
            the order, as held-out data needs for comparable fixed-seed metrics).
    """
    if isinstance(data, tf.data.Dataset):
        return data
    if isinstance(data, dict):
        data = dict(data)
        if "target" in data and "background" in data:
            n = len(data["target"])
            data["background"] = np.asarray(data["background"])[np.arange(n) % len(data["background"])]
    dataset = tf.data.Dataset.from_tensor_slices(data)
    if shuffle_seed is not None:
        dataset = dataset.shuffle(int(dataset.cardinality()), seed=shuffle_seed, reshuffle_each_iteration=True)
    return dataset.batch(int(batch_size))


def held_out(data, key):
    """The held-out examples and labels the fixed-seed metrics use.

    Returns:
        `(x, labels)`: `x` an array (or the dataset itself, which must then yield
        the same batches on every pass) and `labels` an array `(N,)` or None.
    """
    if isinstance(data, dict):
        labels = data.get(LABEL_KEY)
        return np.asarray(data[key]), None if labels is None else np.asarray(labels)
    return data, None
