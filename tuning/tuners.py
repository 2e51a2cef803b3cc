"""Keras Tuner's RandomSearch, BayesianOptimization and Hyperband with the tfvae
objective: fixed-seed held-out metrics, one TensorBoard HParams run per trial, and
a chief that serves distributed workers.

The three classes differ only in their Keras Tuner base; everything tfvae adds is
in the `HeldOutObjective` mixin.
"""

import os

import keras
import keras_tuner

from tuning import distributed
from tuning.evaluation import HeldOutMetrics


class HeldOutObjective:
    """Mixin that puts the fixed-seed held-out metrics into every trial's logs.

    Each trial's `fit` gets, first in its callbacks, a `HeldOutMetrics` callback on
    `evaluation_data` (default: the `validation_data` given to `search`), so the
    objective, the best-epoch checkpoint and TensorBoard all see the same
    fixed-seed numbers. With `tensorboard=True` a TensorBoard callback is added
    (unless one is given); Keras Tuner then writes each trial to
    `<project>/logs/<trial_id>/execution0` with its hyperparameters, which is
    what the HParams dashboard shows.

    Under distributed tuning (see `tuning.distributed`) the chief's `search` serves
    the oracle until the workers have finished, and returns.

    Args:
        hypermodel: a `tuning.hypermodels.TfvaeHyperModel`.
        evaluation_seed: int. Noise seed of the held-out estimates.
        iwae_samples: int. > 0 also logs the IWAE estimate (VAE only).
        tensorboard: bool. Log trials for TensorBoard and its HParams dashboard.
        chief_poll_seconds: float. How often the chief checks for the end.
        **kwargs: arguments of the Keras Tuner class (`objective`, `max_trials` or
            `max_epochs`, `seed`, `distribution_strategy`, `directory`,
            `project_name`, `overwrite`, `executions_per_trial`, ...).

    `search` takes `fit` arguments plus two optional keywords:
    `evaluation_data` (held-out examples for the fixed-seed metrics) and
    `evaluation_labels` (int labels `(N,)` aligned with them, adding the
    embedding's silhouette).
    """

    def __init__(self, hypermodel, *, evaluation_seed=0, iwae_samples=0, tensorboard=True, chief_poll_seconds=1.0, **kwargs):
        self.evaluation_seed = int(evaluation_seed)
        self.iwae_samples = int(iwae_samples)
        self.tensorboard = bool(tensorboard)
        self.chief_poll_seconds = float(chief_poll_seconds)
        super().__init__(hypermodel=hypermodel, **kwargs)

    @staticmethod
    def budget(max_trials, epochs):
        """Keyword arguments that bound the search (`max_trials` trials)."""
        return {"max_trials": int(max_trials)}

    @property
    def log_dir(self):
        """Root of the TensorBoard logs: one sub-folder per trial."""
        return os.path.join(self.project_dir, "logs")

    def search(self, *fit_args, **fit_kwargs):
        """Runs trials until the budget is spent (as `keras_tuner.Tuner.search`); the
        distributed chief instead serves the oracle until the workers are done."""
        if distributed.role() != distributed.CHIEF:
            return super().search(*fit_args, **fit_kwargs)
        if "verbose" in fit_kwargs:
            self.oracle.verbose = fit_kwargs["verbose"]
        self.save()
        distributed.serve_oracle(self.oracle, poll_seconds=self.chief_poll_seconds)
        return None

    def run_trial(self, trial, *fit_args, evaluation_data=None, evaluation_labels=None, **fit_kwargs):
        """Fits the trial's model with the held-out metrics (and TensorBoard) first
        among its callbacks; returns Keras Tuner's histories."""
        x = fit_kwargs.get("validation_data") if evaluation_data is None else evaluation_data
        if x is None:
            raise keras_tuner.errors.FatalValueError("pass validation_data (or evaluation_data) to search(): the objective is held-out.")
        held_out = HeldOutMetrics(self.hypermodel, x, evaluation_labels, self.evaluation_seed, self.iwae_samples)
        callbacks = [held_out, *fit_kwargs.pop("callbacks", [])]
        if self.tensorboard and not any(type(c).__name__ == "TensorBoard" for c in callbacks):
            callbacks.append(keras.callbacks.TensorBoard(self.log_dir))
        return super().run_trial(trial, *fit_args, callbacks=callbacks, **fit_kwargs)


class RandomSearch(HeldOutObjective, keras_tuner.RandomSearch):
    """`keras_tuner.RandomSearch` with the `HeldOutObjective` additions."""


class BayesianOptimization(HeldOutObjective, keras_tuner.BayesianOptimization):
    """`keras_tuner.BayesianOptimization` with the `HeldOutObjective` additions."""


class Hyperband(HeldOutObjective, keras_tuner.Hyperband):
    """`keras_tuner.Hyperband` with the `HeldOutObjective` additions.

    Its budget is epochs, not trials: `max_epochs` per model (the `epochs` of
    `tuning.search`); the number of trials follows from `max_epochs` and `factor`.
    """

    @staticmethod
    def budget(max_trials, epochs):
        """Keyword arguments that bound the search (`max_epochs=epochs`)."""
        return {"max_epochs": int(epochs)}


TUNERS = {"random": RandomSearch, "bayesian": BayesianOptimization, "hyperband": Hyperband}
