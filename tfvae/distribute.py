"""Choosing a tf.distribute strategy, and a multi-worker training loop.

Keras 3 `fit` fails under `MultiWorkerMirroredStrategy` (keras#20585), so
`fit_distributed` runs the model's own `train_step` with `strategy.run` over a
distributed dataset: the same loss terms, loss scaling and optimizer as `fit`, no
second copy of the step. Under one-machine strategies `model.fit` is the way.
"""

import json
import os

import tensorflow as tf

STRATEGIES = ("auto", "none", "mirrored", "multiworker")


def choose_strategy(name="auto"):
    """Returns the strategy for `name`.

    Args:
        name: str. `"auto"`: MirroredStrategy when more than one GPU is visible,
            else the default strategy; `"none"`: the default strategy;
            `"mirrored"`: MirroredStrategy over all local devices;
            `"multiworker"`: MultiWorkerMirroredStrategy configured by `TF_CONFIG`.

    Raises:
        ValueError: an unknown name, or `"multiworker"` without `TF_CONFIG`.
    """
    if name not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {name!r}.")
    if name == "auto":
        name = "mirrored" if len(tf.config.list_physical_devices("GPU")) > 1 else "none"
    if name == "none":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if "TF_CONFIG" not in os.environ:
        raise ValueError("strategy 'multiworker' needs TF_CONFIG (cluster and task) in the environment.")
    json.loads(os.environ["TF_CONFIG"])  # a clear JSON error early, before TensorFlow's
    return tf.distribute.MultiWorkerMirroredStrategy()


def fit_distributed(model, dataset_fn, *, epochs, steps_per_epoch, strategy=None, verbose=True):
    """Trains `model` with its own `train_step` under `strategy` (multi-worker safe).

    Args:
        model: a tfvae model built and compiled inside `strategy.scope()`.
        dataset_fn: callable `tf.distribute.InputContext -> tf.data.Dataset` giving
            this worker's batches of `input_context.get_per_replica_batch_size(B)`
            examples (see `pipelines.batch_pipeline(input_context=...)`), repeated
            so that `epochs * steps_per_epoch` steps are available.
        epochs: int.
        steps_per_epoch: int.
        strategy: optional; defaults to the model's.
        verbose: bool. Print one line of metrics per epoch (chief only).

    Returns:
        Dict metric name -> list of per-epoch values, like `History.history`.
    """
    strategy = strategy or model.distribute_strategy
    with strategy.scope():
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
    iterator = iter(strategy.distribute_datasets_from_function(dataset_fn))

    @tf.function
    def train_step(iterator):
        logs = strategy.run(model.train_step, args=(next(iterator),))
        return {name: strategy.reduce("MEAN", value, axis=None) for name, value in logs.items()}

    history = {}
    chief = is_chief(strategy)
    for epoch in range(epochs):
        for metric in model.metrics:
            metric.reset_state()
        for _ in range(steps_per_epoch):
            logs = train_step(iterator)
        logs = {name: float(value) for name, value in logs.items()}
        for name, value in logs.items():
            history.setdefault(name, []).append(value)
        if verbose and chief:
            print(f"epoch {epoch + 1}/{epochs} - " + " - ".join(f"{k}: {v:.4f}" for k, v in sorted(logs.items())))
    return history


def is_chief(strategy):
    """True on the worker that writes outputs: the chief, or worker 0 without one."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    return resolver.task_type == "chief" or (resolver.task_type == "worker" and resolver.task_id == 0)
