"""The scheduled weights as scalar summaries."""

import tensorflow as tf

from tfvae.callbacks.summaries import EpochSummaries


class KLWeightLogger(EpochSummaries):
    """Every N epochs, writes the scalar `kl_weight` (`model.kl_weight()`: beta, or
    its schedule's value) and, for a `ContrastiveVAE`, `weight/<term>` of each
    regularizer, as in force at the end of the epoch.

    Args:
        log_dir: str or path. The TensorBoard log directory.
        every_n_epochs: int. Write after epochs 0, N, 2N, ... and the last.
        subdir: str. Run folder under `log_dir`.
    """

    def __init__(self, log_dir, every_n_epochs=1, *, subdir="schedule"):
        super().__init__(log_dir, subdir, every_n_epochs)

    def set_model(self, model):
        super().set_model(model)
        if not callable(getattr(model, "kl_weight", None)):
            raise TypeError(f"KLWeightLogger needs a tfvae model with kl_weight(), got {type(model).__name__}.")

    def write_summaries(self, epoch):
        tf.summary.scalar("kl_weight", self.model.kl_weight())
        for regularizer in getattr(self.model, "regularizers", ()):
            tf.summary.scalar(f"weight/{regularizer.term}", self.model.scheduled(regularizer.weight))
