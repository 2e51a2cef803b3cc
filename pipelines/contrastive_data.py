"""The container every contrastive benchmark returns: a target set and a background set."""

from typing import NamedTuple

from pipelines.pairing import contrastive_pairs


class ContrastiveData(NamedTuple):
    """Target and background-only examples as dicts of numpy arrays.

    Attributes:
        target: dict. `"x"` `(N, ...)` target examples, int64 `"label"` `(N,)` when
            known, and any ground truth (e.g. `"foreground"`, `"background"`).
        background: dict. `"x"` `(M, ...)` background-only examples.
    """

    target: dict
    background: dict

    def pairs(self, seed=None, epoch_size=None):
        """A `tf.data.Dataset` of paired examples; see `pipelines.contrastive_pairs`."""
        return contrastive_pairs(self.target, self.background, seed=seed, epoch_size=epoch_size)
