"""The base of the summary callbacks: one event-file writer per run folder, written
between epochs every N epochs."""

import os

import keras
import tensorflow as tf

from tfvae.callbacks.views import latent_view


class EpochSummaries(keras.callbacks.Callback):
    """Writes `tf.summary` data to `log_dir/subdir` after epochs 0, N, 2N, ... and the last.

    Each callback owns its run folder: TensorBoard reads one event file at a time per
    folder, so two writers never share one (Keras's `TensorBoard` callback owns
    `train/` and `validation/`). Summaries are written at `step=epoch`, as Keras
    writes its `epoch_*` scalars, so the runs line up. Subclasses implement
    `write_summaries(epoch)`, called inside the writer's default scope.

    Args:
        log_dir: str or path. The TensorBoard log directory.
        subdir: str. This callback's run folder under `log_dir`.
        every_n_epochs: int. Write after epochs with `epoch % every_n_epochs == 0`
            (Keras's `histogram_freq` convention: the first epoch is always written)
            and after the last epoch of `fit`, so the trained model is always summarized.
    """

    def __init__(self, log_dir, subdir, every_n_epochs=1):
        super().__init__()
        if int(every_n_epochs) < 1:
            raise ValueError(f"every_n_epochs must be a positive int, got {every_n_epochs}.")
        self.log_dir = os.fspath(log_dir)
        self.subdir = str(subdir)
        self.every_n_epochs = int(every_n_epochs)
        self._writer = None

    @property
    def run_dir(self):
        """The folder this callback writes to, `log_dir/subdir`."""
        return os.path.join(self.log_dir, self.subdir)

    def on_epoch_end(self, epoch, logs=None):
        last = epoch + 1 == (self.params or {}).get("epochs")  # fit's final epoch: always written
        if epoch % self.every_n_epochs and not last:
            return
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(self.run_dir)
        # record_if(True): Keras's TensorBoard may leave a batch-frequency condition pushed.
        with self._writer.as_default(step=epoch), tf.summary.record_if(True):
            self.write_summaries(epoch)
        self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def write_summaries(self, epoch):
        """Writes this callback's summaries for `epoch`; subclasses implement."""
        raise NotImplementedError


class ExampleSummaries(EpochSummaries):
    """An `EpochSummaries` over a fixed batch of examples, seen through the model's
    `LatentView` (`self._view`, set when Keras attaches the model).

    Args:
        log_dir: str or path. The TensorBoard log directory.
        subdir: str. This callback's run folder under `log_dir`.
        examples: array `(N, *input_shape)` (targets for a `ContrastiveVAE`).
        every_n_epochs: int. Write after epochs 0, N, 2N, ... and the last.
    """

    def __init__(self, log_dir, subdir, examples, every_n_epochs=1):
        super().__init__(log_dir, subdir, every_n_epochs)
        self.examples = as_examples(examples)
        self._view = None

    def set_model(self, model):
        super().set_model(model)
        self._view = latent_view(model, self.examples)


def as_examples(examples, name="examples"):
    """Returns `examples` as a float32 numpy array `(N, ...)` with N >= 1."""
    examples = keras.ops.convert_to_numpy(examples).astype("float32")
    if examples.ndim < 2 or len(examples) == 0:
        raise ValueError(f"{name} must be a non-empty batch (N, *input_shape), got shape {examples.shape}.")
    return examples
