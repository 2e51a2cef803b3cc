"""The callback that scores each epoch on held-out data with a fixed noise seed."""

import keras


class HeldOutMetrics(keras.callbacks.Callback):
    """Adds a hypermodel's fixed-seed held-out metrics to the epoch logs.

    Keras's own `val_elbo` draws fresh noise for every batch, so two trials (or two
    epochs) are scored on different noise. These metrics fix the seed. Run it
    before the TensorBoard callback and Keras Tuner's checkpoint callback: they,
    and the `History` the trial's score comes from, then all see the metrics.

    Args:
        hypermodel: a `tuning.hypermodels.TfvaeHyperModel` (it names and computes
            the metrics).
        x: held-out examples, or a batched dataset with a fixed order.
        labels: optional int array `(N,)` aligned with `x`.
        seed: int. Noise seed.
        iwae_samples: int. > 0 adds the IWAE estimate.
    """

    def __init__(self, hypermodel, x, labels=None, seed=0, iwae_samples=0):
        super().__init__()
        self.hypermodel = hypermodel
        self.x, self.labels = x, labels
        self.seed, self.iwae_samples = int(seed), int(iwae_samples)

    def on_epoch_end(self, epoch, logs=None):
        """Adds the metrics to `logs`, the dict the later callbacks receive."""
        if logs is not None:
            logs.update(self.hypermodel.held_out_metrics(self.model, self.x, self.labels, self.seed, self.iwae_samples))

    def __deepcopy__(self, memo):
        # Keras Tuner deep-copies callbacks for every trial: share the data, don't copy it.
        return HeldOutMetrics(self.hypermodel, self.x, self.labels, self.seed, self.iwae_samples)
