"""Construction-time checks on in-memory inputs, so bad data fails before training starts."""

import numpy as np


def check_array(x, name):
    """Returns `x` as a numpy array after checking it is numeric, non-empty and finite.

    Args:
        x: array-like. Examples along axis 0.
        name: str. How error messages call the array.

    Raises:
        TypeError: the dtype is not boolean, integer or floating point.
        ValueError: the array is empty, scalar, or holds NaN or inf.
    """
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers; got dtype {x.dtype} (shape {x.shape}).")
    if x.ndim == 0 or x.shape[0] == 0 or x.size == 0:
        raise ValueError(f"{name} is empty: got shape {x.shape}; it needs at least one example.")
    if x.dtype.kind == "f":
        bad = np.size(x) - np.count_nonzero(np.isfinite(x))
        if bad:
            raise ValueError(f"{name} holds {bad} NaN or inf values (shape {x.shape}); clean or drop them first.")
    return x


def check_labels(labels, num_examples, name="labels"):
    """Returns `labels` as int64 `(N,)` after checking dtype, rank and length.

    Args:
        labels: array-like of integers, one per example.
        num_examples: int. N, the number of examples the labels describe.
        name: str. How error messages call the labels.

    Raises:
        TypeError: the labels are not integers.
        ValueError: the labels are not 1-D with `num_examples` entries.
    """
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{name} must be integers; got dtype {labels.dtype}.")
    if labels.shape != (num_examples,):
        raise ValueError(f"{name} must have shape ({num_examples},) to match the examples; got {labels.shape}.")
    return labels.astype("int64")


def to_unit_interval(x, name):
    """Returns float32 pixels in [0, 1]: uint8/uint16 divided by their maximum, floats checked.

    Args:
        x: array-like of images.
        name: str. How error messages call the array.

    Raises:
        TypeError: signed integers (their scale is ambiguous) or non-numeric values.
        ValueError: floats outside [0, 1], NaN/inf, or an empty array.
    """
    x = check_array(x, name)
    if x.dtype.kind == "b":
        return x.astype("float32")
    if x.dtype in (np.uint8, np.uint16):
        return (x / np.iinfo(x.dtype).max).astype("float32")
    if x.dtype.kind != "f":
        raise TypeError(f"{name} must be uint8, uint16 or floats in [0, 1]; got dtype {x.dtype}.")
    low, high = float(x.min()), float(x.max())
    if low < 0.0 or high > 1.0:
        raise ValueError(f"{name} must lie in [0, 1]; got values in [{low:g}, {high:g}].")
    return x.astype("float32")
