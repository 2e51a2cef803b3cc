"""Unpacking the batch formats `fit` accepts."""


def unpack_x(data, key="x"):
    """Returns the examples of a batch given as `x`, `(x,)`, `(x, y)`, `(x, y, w)` or
    a dict with `key`; labels and weights are ignored by the unsupervised loss."""
    if isinstance(data, dict):
        if key not in data:
            raise ValueError(f"dict batches need the key {key!r}; got keys {sorted(data)}.")
        return data[key]
    if isinstance(data, (tuple, list)):
        if not data:
            raise ValueError("got an empty batch tuple.")
        return data[0]
    return data


def unpack_pair(data):
    """Returns `(target, background)` from a contrastive batch
    `{"target": ..., "background": ...}` (other keys, such as labels, are ignored)."""
    if not isinstance(data, dict) or not {"target", "background"} <= set(data):
        got = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise ValueError(
            "ContrastiveVAE batches must be dicts with keys 'target' and 'background' "
            f"(see pipelines.contrastive_pairs); got {got}."
        )
    return data["target"], data["background"]
