"""In-memory arrays and existing datasets -> `tf.data.Dataset` of example dicts.

Every pipeline in this package passes examples as dicts: `{"x": image}` plus
`"label"` when labels are known (paired datasets use `"target"`/`"background"`).
`tfvae` models read the `"x"` key, so these datasets go straight into `fit`.
"""

import tensorflow as tf

from pipelines.checks import check_array, check_labels

EXAMPLE_KEYS = ("x", "target")


def check_fields(x, labels=None, name="x"):
    """Checks arrays at construction and returns them as a dict of numpy arrays.

    Args:
        x: array `(N, ...)` of numbers, or a dict of arrays with key `"x"` (and any
            other per-example fields, e.g. `"label"`, all of length N).
        labels: optional int array `(N,)`; not allowed together with a dict `x`
            holding `"label"`.
        name: str. How error messages call `x`.

    Returns:
        Dict of numpy arrays: `"x"`, int64 `"label"` when given, other fields.

    Raises:
        TypeError, ValueError: empty, non-numeric or non-finite arrays, or fields
            of different lengths (see `pipelines.checks`).
    """
    fields = dict(x) if isinstance(x, dict) else {"x": x}
    if "x" not in fields:
        raise ValueError(f"{name}: a dict of arrays needs the key 'x'; got keys {sorted(fields)}.")
    if labels is not None:
        if "label" in fields:
            raise ValueError(f"{name}: labels were given twice (argument and dict key 'label').")
        fields["label"] = labels
    arrays = {"x": check_array(fields.pop("x"), name)}
    num = arrays["x"].shape[0]
    for key, value in fields.items():
        if key == "label":
            arrays[key] = check_labels(value, num, f"{name} labels")
            continue
        arrays[key] = check_array(value, f"{name}[{key!r}]")
        if arrays[key].shape[0] != num:
            raise ValueError(f"{name}[{key!r}] has {arrays[key].shape[0]} examples but 'x' has {num}.")
    return arrays


def from_arrays(x, labels=None, name="x"):
    """Dataset of `{"x": x[i]}` (and `"label"`) from arrays, checked at construction.

    Args:
        x, labels, name: see `check_fields`.

    Returns:
        An unbatched `tf.data.Dataset` of dicts, with known cardinality N.
    """
    return tf.data.Dataset.from_tensor_slices(check_fields(x, labels, name))


def as_examples(data, labels=None, name="data"):
    """Turns arrays or a dataset into a dataset of example dicts.

    Args:
        data: array, dict of arrays (see `from_arrays`), or a `tf.data.Dataset`
            whose elements are `x`, `(x,)`, `(x, y)`, or dicts with `"x"`,
            `"target"` or `"image"` (tensorflow-datasets style; renamed `"x"`).
        labels: optional labels for array `data`.
        name: str. How error messages call `data`.

    Returns:
        An unbatched `tf.data.Dataset` of dicts.

    Raises:
        TypeError: non-numeric examples. ValueError: empty data or unknown structure.
    """
    if not isinstance(data, tf.data.Dataset):
        return from_arrays(data, labels, name)
    if labels is not None:
        raise ValueError(f"{name}: pass labels inside the dataset, not as an argument.")
    spec = data.element_spec
    if isinstance(spec, tuple) and len(spec) in (1, 2):
        data = data.map(lambda *e: {"x": e[0]} if len(e) == 1 else {"x": e[0], "label": e[1]})
    elif isinstance(spec, tf.TensorSpec):
        data = data.map(lambda e: {"x": e})
    elif isinstance(spec, dict) and "image" in spec and "x" not in spec:
        data = data.map(lambda e: {("x" if k == "image" else k): v for k, v in e.items()})
    elif not (isinstance(spec, dict) and any(k in spec for k in EXAMPLE_KEYS)):
        raise ValueError(f"{name}: elements must be x, (x, y) or dicts with 'x'; got {spec}.")
    _check_dataset(data, name)
    return data


def _check_dataset(data, name):
    """Raises if `data` is known to be empty or holds non-numeric examples."""
    if int(data.cardinality()) == 0:
        raise ValueError(f"{name} is empty: the dataset has no elements.")
    for key, spec in data.element_spec.items():
        dtype = spec.dtype
        if not (dtype.is_floating or dtype.is_integer or dtype.is_bool):
            raise TypeError(f"{name}[{key!r}] must hold numbers; got dtype {dtype.name}.")


def cardinality(data):
    """Number of elements of `data`, or None when infinite or unknown."""
    n = int(data.cardinality())
    return n if n >= 0 else None


def repeat_forever(data, name):
    """`data.repeat()`, except that a source yielding nothing raises instead of ending.

    `repeat()` of an empty dataset ends at once, so an empty source would give an
    empty epoch far from its cause. A known size of 0 raises here; for an unknown
    size (e.g. a filtered dataset) the stream ends with an element that raises
    `tf.errors.InvalidArgumentError` naming `name`, reached only when a whole pass
    yields nothing.

    Args:
        data: `tf.data.Dataset` of example dicts.
        name: str. How error messages call `data`.

    Raises:
        ValueError: `data` is known to be empty.
    """
    size = int(data.cardinality())
    if size == 0:
        raise ValueError(f"{name} is empty: the dataset has no elements.")
    if size != tf.data.UNKNOWN_CARDINALITY:
        return data.repeat()
    message = f"{name} yields no examples: the dataset is empty."

    def fail(_):
        check = tf.debugging.Assert(tf.constant(False), [message])
        with tf.control_dependencies([check]):
            return tf.nest.map_structure(_placeholder, data.element_spec)

    return data.repeat().concatenate(tf.data.Dataset.range(1).map(fail))


def _placeholder(spec):
    """An empty tensor compatible with `spec` (unknown dimensions 0)."""
    shape = [0 if d is None else d for d in spec.shape] if spec.shape.rank is not None else [0]
    return tf.identity(tf.zeros(shape, spec.dtype))
