"""The label-free separation scores of a ContrastiveVAE, during training."""

import tensorflow as tf

from tfvae import diagnostics
from tfvae.callbacks.summaries import EpochSummaries, as_examples


class SeparationDiagnostics(EpochSummaries):
    """Every N epochs, `tfvae.diagnostics.separation_diagnostics` of fixed held-out
    targets against fixed held-out backgrounds, as scalars `diagnostics/<score>`
    (`salient_auc`, `background_auc`, units in use, `salient_gain`): curves that
    need no labels. The salient AUC should rise well above 0.5 and stay above the
    background AUC. Every scoring is also kept in `history`.

    Args:
        log_dir: str or path. The TensorBoard log directory.
        targets: array `(N, *input_shape)` of held-out targets (N >= 2).
        backgrounds: array `(M, *input_shape)` of held-out backgrounds (M >= 2).
        every_n_epochs: int. Score after epochs 0, N, 2N, ... and the last.
        subdir: str. Run folder under `log_dir`.
        seed: int. Seed of the classifier's folds.
    """

    def __init__(self, log_dir, targets, backgrounds, every_n_epochs=1, *, subdir="diagnostics", seed=0):
        super().__init__(log_dir, subdir, every_n_epochs)
        self.targets, self.backgrounds = as_examples(targets, "targets"), as_examples(backgrounds, "backgrounds")
        if min(len(self.targets), len(self.backgrounds)) < 2:
            raise ValueError("SeparationDiagnostics needs at least 2 targets and 2 backgrounds.")
        self.seed = int(seed)
        self.history = []

    def write_summaries(self, epoch):
        scores = diagnostics.separation_diagnostics(self.model, self.targets, self.backgrounds, self.seed)
        for name, value in scores.items():
            tf.summary.scalar(f"diagnostics/{name}", value)
        self.history.append({"epoch": epoch, **scores})
