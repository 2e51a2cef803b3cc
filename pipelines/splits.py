"""Seeded training / validation / test splits of a stream, and a stream back to arrays.

A split keeps the examples whose position in a seeded permutation of `[0, size)`
(`tf.random.experimental.index_shuffle`) falls in its range: the membership of
every index is computed once, as `size` booleans, and the stream is filtered by
looking its index up, so every split of one `(size, seed)` is disjoint from the
others and the same on every read.
"""

import numpy as np
import tensorflow as tf

SPLITS = ("train", "validation", "test")


def split_sizes(size, validation=0.1, test=0.2):
    """`{split: number of examples}` for `size` examples and the held-out fractions.

    Raises:
        ValueError: fractions outside [0, 1) or summing to 1 or more, or a split
            that `size` examples leave empty although its fraction is positive.
    """
    if not (0 <= validation < 1 and 0 <= test < 1 and validation + test < 1):
        raise ValueError(f"validation and test fractions must be in [0, 1) with a sum below 1; got {validation}, {test}.")
    sizes = {"test": int(round(size * test)), "validation": int(round(size * validation))}
    sizes["train"] = int(size) - sizes["test"] - sizes["validation"]
    for split, fraction in (("train", 1.0), ("validation", validation), ("test", test)):
        if fraction > 0 and sizes[split] < 1:
            raise ValueError(f"{size} examples leave the {split} split empty; the data need more examples.")
    return sizes


def take_split(data, size, split, seed=0, validation=0.1, test=0.2):
    """The examples of `data` that fall in `split`.

    Args:
        data: finite `tf.data.Dataset` of `size` elements, in a fixed order.
        size: int. Its number of elements.
        split: str. One of `SPLITS`.
        seed: int. Which examples go where.
        validation, test: float. Fractions held out (see `split_sizes`).

    Returns:
        A `tf.data.Dataset` of the split's elements in their order in `data`, with
        known cardinality.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}.")
    sizes = split_sizes(size, validation, test)
    low = {"test": 0, "validation": sizes["test"], "train": sizes["test"] + sizes["validation"]}[split]
    high = low + sizes[split]
    key = np.random.SeedSequence(int(seed)).generate_state(2, np.uint32).astype("int64")
    positions = tf.random.experimental.index_shuffle(tf.range(int(size), dtype=tf.int64), seed=key,
                                                     max_index=int(size) - 1).numpy()
    member = tf.constant((positions >= low) & (positions < high))
    kept = data.enumerate().filter(lambda index, _: tf.gather(member, index)).map(lambda _, element: element)
    return kept.apply(tf.data.experimental.assert_cardinality(sizes[split]))


def to_arrays(data, limit=None, batch_size=512):
    """Reads the first `limit` elements (all when None) of a dataset of dicts into
    a dict of numpy arrays."""
    if limit is not None:
        data = data.take(int(limit))
    parts = list(data.batch(batch_size).as_numpy_iterator())
    if not parts:
        raise ValueError("the dataset yields no examples.")
    return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
