"""Unpacking the batch formats `fit` accepts."""


def unpack_x(data):
    """Returns the examples of a batch given as `x`, `(x,)`, `(x, y)`, `(x, y, w)` or
    a dict with key `"x"`; labels and weights are ignored by the unsupervised loss."""
    if isinstance(data, dict):
        if "x" not in data:
            raise ValueError(f"dict batches need the key 'x'; got keys {sorted(data)}.")
        return data["x"]
    if isinstance(data, (tuple, list)):
        if not data:
            raise ValueError("got an empty batch tuple.")
        return data[0]
    return data
