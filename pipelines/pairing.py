"""Contrastive pairing: each element holds one target and one background-only example."""

import numpy as np
import tensorflow as tf

from pipelines.sources import as_examples, cardinality, check_fields, repeat_forever


def contrastive_pairs(target, background, seed=None, epoch_size=None, shuffle_buffer=10_000):
    """Zips two independent sources into `{"target", "background"[, "label"]}` elements.

    Each source is shuffled (reshuffled every pass) and repeated on its own, then
    the two streams are zipped, so sets of different sizes neither truncate nor
    bias an epoch: within one epoch every example of the smaller set appears
    either floor or ceil of `epoch_size / size` times. Everything runs in the graph;
    in-memory sources need no per-example function at all (each field is its own
    stream, shuffled with the same seed, so fields stay aligned).

    Args:
        target: arrays or `tf.data.Dataset` of target examples (key `"x"`, optional
            `"label"`; other ground-truth fields are dropped).
        background: arrays or `tf.data.Dataset` of background-only examples (`"x"`).
        seed: int or None. Two independent shuffle seeds are derived from it.
        epoch_size: int or None. Pairs per epoch; None: the larger set's size
            (both sets need known cardinality then).
        shuffle_buffer: int. Per-source shuffle buffer (capped at the set size).

    Returns:
        A `tf.data.Dataset` of `epoch_size` unbatched dicts: `"target"` and
        `"background"` with the examples' shape and dtype, plus int64 `"label"`
        when the target set has labels.

    Raises:
        TypeError, ValueError: an empty, non-numeric or non-finite source, unknown
            sizes without `epoch_size`, or target and background examples of
            different shapes or dtypes.
        tf.errors.InvalidArgumentError: while iterating, naming the source, when a
            dataset source of unknown size yields nothing.
    """
    target = _source(target, ("x", "label"), "target")
    background = _source(background, ("x",), "background")
    _check_compatible(_spec(target), _spec(background))
    sizes = (_size(target), _size(background))
    if epoch_size is None:
        if None in sizes:
            raise ValueError(f"pass epoch_size: target/background sizes are {sizes} (None = unknown or infinite).")
        epoch_size = max(sizes)
    # Concrete seeds even when `seed` is None: the fields of one set must share theirs.
    target_seed, background_seed = (int(s) for s in np.random.SeedSequence(seed).generate_state(2))
    if isinstance(target, dict) and isinstance(background, dict):
        columns = {"target": target["x"], "background": background["x"]}
        seeds = {"target": target_seed, "background": background_seed}
        if "label" in target:
            columns["label"], seeds["label"] = target["label"], target_seed
        streams = {
            key: _shuffled_forever(tf.data.Dataset.from_tensor_slices(column), len(column), shuffle_buffer, seeds[key],
                                   key)
            for key, column in columns.items()
        }
        return tf.data.Dataset.zip(streams).take(int(epoch_size))
    target, background = (as_examples(s) if isinstance(s, dict) else s for s in (target, background))
    streams = (
        _shuffled_forever(target, sizes[0], shuffle_buffer, target_seed, "target"),
        _shuffled_forever(background, sizes[1], shuffle_buffer, background_seed, "background"),
    )
    # `take` before `map` lets tf.data fuse the map into a following `batch`.
    return tf.data.Dataset.zip(*streams).take(int(epoch_size)).map(_pair)


def _source(data, keys, name):
    """Checked dict of numpy arrays (only `keys`), or a dataset of example dicts."""
    if isinstance(data, tf.data.Dataset):
        data = as_examples(data, name=name)
        if "x" not in data.element_spec:
            raise ValueError(f"{name} examples need the key 'x'; got keys {sorted(data.element_spec)}.")
        return data
    fields = data if isinstance(data, dict) else {"x": data}
    return check_fields({k: v for k, v in fields.items() if k in keys}, name=name)


def _spec(source):
    """`tf.TensorSpec` of one example's `"x"`."""
    if isinstance(source, dict):
        return tf.TensorSpec(source["x"].shape[1:], tf.as_dtype(source["x"].dtype))
    return source.element_spec["x"]


def _size(source):
    """Number of examples, or None when unknown or infinite."""
    return len(source["x"]) if isinstance(source, dict) else cardinality(source)


def _check_compatible(target, background):
    """Raises ValueError unless both example specs have one shape and dtype."""
    if target.shape.as_list() != background.shape.as_list() or target.dtype != background.dtype:
        raise ValueError(
            f"target examples have shape {tuple(target.shape.as_list())} and dtype {target.dtype.name}, but "
            f"background examples have shape {tuple(background.shape.as_list())} and dtype "
            f"{background.dtype.name}; they must match."
        )


def _pair(target, background):
    """Flattens a zipped (target example, background example) into one dict."""
    out = {"target": target["x"], "background": background["x"]}
    if "label" in target:
        out["label"] = tf.cast(target["label"], tf.int64)  # a no-op for int64
    return out


def _shuffled_forever(data, size, buffer, seed, name):
    """`data` shuffled with a fresh permutation on every pass, repeated forever
    (raising, naming the `name` source, if a pass yields nothing)."""
    buffer = min(int(buffer), size) if size else int(buffer)
    return repeat_forever(data.shuffle(buffer, seed=seed, reshuffle_each_iteration=True), f"contrastive_pairs: {name}")
