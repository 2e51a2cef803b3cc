"""Embeddings of a fixed set of examples for TensorBoard's projector."""

import os

import numpy as np
import tensorflow as tf
from tensorboard.plugins import projector

from tfvae.callbacks.summaries import ExampleSummaries

#: Checkpoint key of the embedding variable (a `tf.train.Checkpoint` attribute).
TENSOR_NAME = "embedding/.ATTRIBUTES/VARIABLE_VALUE"


class EmbeddingProjector(ExampleSummaries):
    """Every N epochs, exports the posterior means of the primary latent (`VAE`: z;
    `ContrastiveVAE`: salient s) of fixed examples to TensorBoard's projector.

    The run folder `log_dir/subdir` holds the latest embedding checkpoint
    (`embedding.ckpt-<epoch>`, a variable `(N, k)`), `metadata.tsv` (one label per
    line, no header, when `labels` are given), `projector_config.pbtxt`, and a text
    summary `embedding` describing the export (so TensorBoard lists the folder as
    a run).

    Args:
        log_dir: str or path. The TensorBoard log directory.
        examples: array `(N, *input_shape)` (targets for a `ContrastiveVAE`).
        labels: optional array `(N,)` of labels, written as the points' metadata.
        every_n_epochs: int. Export after epochs 0, N, 2N, ... and the last.
        subdir: str. Run folder under `log_dir`.

    Raises:
        ValueError: `labels` do not have one entry per example.
    """

    def __init__(self, log_dir, examples, labels=None, every_n_epochs=1, *, subdir="projector"):
        super().__init__(log_dir, subdir, examples, every_n_epochs)
        self.labels = None if labels is None else np.asarray(labels).reshape(-1)
        if self.labels is not None and len(self.labels) != len(self.examples):
            raise ValueError(f"got {len(self.labels)} labels for {len(self.examples)} examples.")
        self._manager = self._variable = None

    def write_summaries(self, epoch):
        embedding = self._view.posterior_moments(self.examples)[self._view.primary][0]  # (N, k)
        if self._manager is None:
            self._start(embedding)
        else:
            self._variable.assign(embedding)
        self._manager.save(checkpoint_number=epoch)
        tf.summary.text(
            "embedding",
            f"posterior means of `{self._view.primary}` for {embedding.shape[0]} examples, "
            f"{embedding.shape[1]} dimensions, after epoch {epoch} (Projector tab).",
        )

    def _start(self, embedding):
        """Creates the variable and checkpoint manager; writes the metadata and config."""
        os.makedirs(self.run_dir, exist_ok=True)
        self._variable = tf.Variable(embedding, trainable=False, name="embedding")
        checkpoint = tf.train.Checkpoint(embedding=self._variable)
        self._manager = tf.train.CheckpointManager(checkpoint, self.run_dir, max_to_keep=1, checkpoint_name="embedding.ckpt")
        config = projector.ProjectorConfig()
        entry = config.embeddings.add()
        entry.tensor_name = TENSOR_NAME
        if self.labels is not None:
            # One column, so no header line; tabs or newlines would break the TSV.
            lines = (" ".join(str(label).split()) for label in self.labels)
            with open(os.path.join(self.run_dir, "metadata.tsv"), "w") as f:
                f.writelines(f"{line}\n" for line in lines)
            entry.metadata_path = "metadata.tsv"
        projector.visualize_embeddings(self.run_dir, config)
