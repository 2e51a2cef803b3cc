"""Choosing a tf.distribute strategy, and a multi-worker training loop.

Keras 3 `fit` fails under `MultiWorkerMirroredStrategy` (keras#20585), so
`fit_distributed` runs the model's own `train_step` with `strategy.run` over a
distributed dataset: the same loss terms, loss scaling and optimizer as `fit`, no
second copy of the step. Under one-machine strategies `model.fit` is the way.
"""

import json
import os
import shutil
import tempfile

import keras
import tensorflow as tf

from tfvae.models.base import divergence_error

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


def fit_distributed(
    model, dataset_fn, *, epochs, steps_per_epoch, strategy=None, verbose=True, checkpoint_dir=None, checkpoint_every=None,
    keep_checkpoints=False, callbacks=None,
):
    """Trains `model` with its own `train_step` under `strategy` (multi-worker safe).

    With `checkpoint_dir`, the whole training state (weights, every optimizer's
    slots and step, the noise generator and the metric accumulators) is saved
    every `checkpoint_every` steps and at each epoch end, and a call that finds a
    checkpoint there continues from it, skipping the batches already trained on
    (so `dataset_fn` must give the same batches each time: seed its shuffles). A
    run killed at any point resumes at the step of its last checkpoint and ends at
    exactly `epochs * steps_per_epoch` optimizer steps, with the batches and noise
    an uninterrupted run would have used. Checkpoint files are written under a
    temporary name and renamed, so a crash while writing leaves the previous one
    readable. The folder is removed when training finishes, unless
    `keep_checkpoints` (the caller removes it once the model is saved). A loss that
    became NaN or inf raises `FloatingPointError` at the end of its epoch, before
    that epoch is checkpointed. (The iterator itself is not checkpointed:
    multi-worker distributed iterators cannot be.)

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
        checkpoint_dir: str or None. Where to keep the training state (a folder
            every worker can read; only the chief's copy is kept).
        checkpoint_every: int or None. Also save every this many steps (None:
            at epoch ends only).
        keep_checkpoints: bool. Leave the chief's checkpoint folder in place.
        callbacks: list of `keras.callbacks.Callback` run on the chief only (each
            worker would write the same summaries): `on_train_begin`,
            `on_epoch_begin`, `on_epoch_end` with the epoch's training logs, and
            `on_train_end`, e.g. `tfvae.callbacks.standard_callbacks` for the
            TensorBoard logs that `fit` writes (training scalars only: this loop
            has no validation data).

    Returns:
        Dict metric name -> list of per-epoch values, like `History.history` (after
        a resume: the epochs this call ran, the first one partial).
    """
    if checkpoint_every is not None and int(checkpoint_every) < 1:
        raise ValueError(f"checkpoint_every must be a positive number of steps, got {checkpoint_every}.")
    strategy = strategy or model.distribute_strategy
    with strategy.scope():
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
    chief = is_chief(strategy)
    manager = _checkpoint_manager(model, checkpoint_dir, strategy) if checkpoint_dir else None
    latest = tf.train.latest_checkpoint(checkpoint_dir) if checkpoint_dir else None
    if latest:  # the chief's copy, read by every worker
        manager.checkpoint.restore(latest).assert_consumed()
    done = int(model.optimizer.iterations.numpy())

    def resumed_dataset_fn(context):
        # Each step takes one batch per local replica from this worker's dataset; a
        # resumed run skips the batches already trained on.
        local_replicas = context.num_replicas_in_sync // context.num_input_pipelines
        return dataset_fn(context).skip(done * local_replicas)

    iterator = iter(strategy.distribute_datasets_from_function(resumed_dataset_fn))

    @tf.function
    def train_step(iterator):
        logs = strategy.run(model.train_step, args=(next(iterator),))
        return {name: strategy.reduce("MEAN", value, axis=None) for name, value in logs.items()}

    hooks = keras.callbacks.CallbackList(list(callbacks or []) if chief else [], model=model)
    hooks.on_train_begin()
    history = {}
    step, total = done, epochs * steps_per_epoch
    model.planned_steps.assign(total)  # for schedules in the unit "fit", as fit sets it
    while step < total:
        if step % steps_per_epoch == 0 or step == done:
            model.epoch.assign(step // steps_per_epoch)  # for schedules in epochs, as fit sets it
            hooks.on_epoch_begin(step // steps_per_epoch)
        if step % steps_per_epoch == 0:
            for metric in model.metrics:
                metric.reset_state()
        logs = train_step(iterator)
        step += 1
        epoch_end = step % steps_per_epoch == 0
        diverged = int(model.first_nonfinite_step.numpy()) if epoch_end else -1  # one read per epoch
        if diverged >= 0:
            raise divergence_error(diverged, f"in epoch {step // steps_per_epoch - 1}",
                                   "the last checkpoint is from before this epoch")
        if manager is not None and (epoch_end or (checkpoint_every and step % int(checkpoint_every) == 0)):
            _save(manager, strategy, step)
        if not epoch_end:
            continue
        logs = {name: float(value) for name, value in logs.items()}
        for name, value in logs.items():
            history.setdefault(name, []).append(value)
        hooks.on_epoch_end(step // steps_per_epoch - 1, logs)
        if verbose and chief:
            print(f"epoch {step // steps_per_epoch}/{epochs} - " + " - ".join(f"{k}: {v:.4f}" for k, v in sorted(logs.items())))
    hooks.on_train_end({name: values[-1] for name, values in history.items()})
    if manager is not None and not (keep_checkpoints and chief):
        # the chief's checkpoints, or a worker's scratch folder (made even if never saved)
        shutil.rmtree(manager.directory, ignore_errors=True)
    return history


def training_state(model):
    """Every variable a resumed run needs: the model's (noise generator included),
    every optimizer's it holds (a TC discriminator's own, say) and the metric
    accumulators, in a fixed order."""
    owners = [model, *getattr(model, "regularizers", ())]  # a regularizer may train a part of its own
    optimizers = [model.optimizer] + [
        value for owner in owners for value in vars(owner).values()
        if isinstance(value, keras.optimizers.Optimizer) and value is not model.optimizer
    ]
    variables = list(model.variables) + [v for o in optimizers for v in o.variables]
    variables += [v for metric in model.metrics for v in metric.variables]
    return [v.value for v in variables]


def _checkpoint_manager(model, directory, strategy):
    """A `tf.train.CheckpointManager` over `training_state(model)`, writing to
    `directory` on the chief and to a scratch folder on other workers (every worker
    must take part in a multi-worker save)."""
    checkpoint = tf.train.Checkpoint(state=training_state(model))
    return tf.train.CheckpointManager(checkpoint, _write_dir(directory, strategy), max_to_keep=2)


def _write_dir(directory, strategy):
    """The chief's checkpoint folder, or a non-chief worker's own scratch folder.

    The scratch folder lies outside the run folder: the chief removes `directory`
    when training ends, and a worker still writing its last save inside it would
    fail (seen on CI: NotFoundError from SaveV2 in `directory/.worker-1`)."""
    if is_chief(strategy):
        return directory
    resolver = strategy.cluster_resolver
    return tempfile.mkdtemp(prefix=f"tfvae-{resolver.task_type}-{resolver.task_id}-")


def _save(manager, strategy, step):
    manager.save(checkpoint_number=step)
    if not is_chief(strategy):
        shutil.rmtree(manager.directory, ignore_errors=True)


def is_chief(strategy=None):
    """True on the worker that writes outputs: the chief, or worker 0 without one.

    Args:
        strategy: optional. Without one, the task is read from `TF_CONFIG` (no
            `TF_CONFIG`: a single process, which is the chief).
    """
    if strategy is None:
        task = json.loads(os.environ.get("TF_CONFIG", "{}")).get("task", {})
        task_type, task_id = task.get("type"), task.get("index", 0)
    else:
        resolver = getattr(strategy, "cluster_resolver", None)
        task_type, task_id = (resolver.task_type, resolver.task_id) if resolver is not None else (None, 0)
    if not task_type:
        return True
    return task_type == "chief" or (task_type == "worker" and task_id == 0)
