"""`tuning.search`: one call from data to the best hyperparameters and model."""

import numbers

from tuning import data as data_lib
from tuning import distributed, results
from tuning.hypermodels import ContrastiveVAEHyperModel, VAEHyperModel
from tuning.tuners import TUNERS

HYPERMODELS = {"vae": VAEHyperModel, "cvae": ContrastiveVAEHyperModel}
#: IWAE samples used when the objective is "iwae" and none are given.
DEFAULT_IWAE_SAMPLES = 64


def search(
    model,
    train_data,
    val_data,
    *,
    tuner="random",
    max_trials=10,
    epochs=10,
    batch_size=64,
    directory="tuning_runs",
    project_name=None,
    overwrite=False,
    objective="elbo",
    preset=None,
    space=None,
    model_kwargs=None,
    distribution_strategy=None,
    seed=0,
    evaluation_seed=0,
    iwae_samples=None,
    tensorboard=True,
    callbacks=None,
    verbose=0,
    tuner_kwargs=None,
):
    """Searches hyperparameters of a VAE or contrastive VAE with Keras Tuner.

    Each trial trains a model and is scored on `val_data` after every epoch with
    a fixed noise seed (see `tuning.evaluation.HeldOutMetrics`); a trial's score
    is its best epoch's. The search directory `<directory>/<project_name>` holds
    the oracle's state, each trial's best-epoch weights and TensorBoard logs
    (`logs/<trial_id>`, with the HParams dashboard); with `overwrite=False` a
    rerun resumes it. Set `KERASTUNER_*` variables to run it distributed (see
    `tuning.distributed`): every process calls `search` with the same arguments.

    Args:
        model: str. `"vae"` (`tfvae.VAE`) or `"cvae"` (`tfvae.ContrastiveVAE`).
        train_data: training data: a batched `tf.data.Dataset` of the model's
            batches, an array `(N, ...)` (vae), or a dict of arrays with keys `"x"`
            (vae) or `"target"` and `"background"` (cvae). Arrays are shuffled
            every epoch with `seed`.
        val_data: held-out data, in the same formats. An int `"label"` array in a
            dict adds the embedding's silhouette to the metrics. A dataset must
            yield the same batches on every pass.
        tuner: str. `"random"`, `"bayesian"` or `"hyperband"`.
        max_trials: int. Number of trials (random, bayesian).
        epochs: int. Epochs per trial (hyperband: the most epochs of one model).
        batch_size: int. Batch size for array data.
        directory: str. Parent folder of the search directory.
        project_name: str or None. Default: `"<model>_<tuner>"`.
        overwrite: bool. Start afresh instead of resuming (ignored on workers).
        objective: str or `keras_tuner.Objective`. `"elbo"` (held-out ELBO, or
            target ELBO for cvae, with a fixed seed), `"iwae"` (vae), or
            `"silhouette"` (needs labels); all maximized.
        preset: str or None. cvae: the `tfvae.presets.PRESETS` recipe the search
            starts from (None: `"recommended"`); its regularizers' weights become
            parameters `<term>_weight`, fixed at the preset's values unless `space`
            gives a range. The vae has no presets: leave it None.
        space: optional dict of search-space overrides (see `tuning.space`).
        model_kwargs: optional dict of fixed model arguments (`architecture`,
            `likelihood`, `network_kwargs`, ...; cvae: over the preset's); `seed`
            defaults to `seed`.
        distribution_strategy: optional `tf.distribute.Strategy` each trial
            runs under (single-worker strategies).
        seed: int. Seeds the oracle, the shuffling and the models' noise.
        evaluation_seed: int. Noise seed of the held-out metrics.
        iwae_samples: int or None. > 0 also logs the IWAE estimate (vae); None:
            `DEFAULT_IWAE_SAMPLES` when the objective is `"iwae"`, else 0.
        tensorboard: bool. Write TensorBoard logs with HParams, one run per trial.
        callbacks: optional list of extra Keras callbacks (deep-copyable).
        verbose: int. Keras Tuner and `fit` verbosity.
        tuner_kwargs: optional dict of further Keras Tuner arguments (`factor`,
            `num_initial_points`, `executions_per_trial`, ...).

    Returns:
        A `tuning.results.SearchResult`.

    Raises:
        ValueError: an unknown model, tuner, preset or objective, a preset for
            the vae, a bad search space, data without the model's keys, or an
            objective its inputs can't give.
    """
    hypermodel_class = _lookup(HYPERMODELS, model, "model")
    tuner_class = _lookup(TUNERS, tuner, "tuner")
    for name, value in (("max_trials", max_trials), ("epochs", epochs), ("batch_size", batch_size)):
        _check_int(name, value, minimum=1)
    data_lib.check(train_data, hypermodel_class.batch_keys, "train_data")
    data_lib.check(val_data, hypermodel_class.batch_keys, "val_data")
    x_val, labels = data_lib.held_out(val_data, hypermodel_class.input_key)
    if labels is not None and len(labels) != len(x_val):
        raise ValueError(f"val_data: {len(labels)} labels for {len(x_val)} examples.")

    options = {"space": space, "model_kwargs": {"seed": seed, **(model_kwargs or {})}}
    if preset is not None:
        if not hypermodel_class.presets:
            raise ValueError(f"preset: model {model!r} has no presets (presets are cvae recipes); leave it None.")
        options["preset"] = preset
    hypermodel = hypermodel_class(data_lib.example_shape(val_data, hypermodel_class.input_key), **options)
    iwae_samples = _iwae_samples(objective, iwae_samples, hypermodel)
    if isinstance(objective, str):
        if objective == "silhouette" and labels is None:
            raise ValueError("objective 'silhouette' needs labels: pass val_data as a dict with an int 'label' array.")
        objective = hypermodel.objective(objective)
    role = distributed.role()
    search_tuner = tuner_class(
        hypermodel,
        objective=objective,
        seed=seed + 1,  # Keras Tuner's oracle takes seed 0 for "no seed" and draws one
        distribution_strategy=distribution_strategy,
        directory=directory,
        project_name=project_name or f"{model}_{tuner}",
        overwrite=bool(overwrite) and role != distributed.WORKER,
        evaluation_seed=evaluation_seed,
        iwae_samples=iwae_samples,
        tensorboard=tensorboard,
        **tuner_class.budget(max_trials, epochs),
        **(tuner_kwargs or {}),
    )
    search_tuner.search(
        data_lib.as_batches(train_data, batch_size, shuffle_seed=seed),
        validation_data=data_lib.as_batches(val_data, batch_size),
        epochs=int(epochs),
        evaluation_data=x_val,
        evaluation_labels=labels,
        callbacks=list(callbacks or []),
        shuffle=False,  # array data is shuffled by `as_batches`; datasets as given
        verbose=verbose,
    )
    return results.from_tuner(search_tuner, role)


def _lookup(table, key, name):
    if key not in table:
        raise ValueError(f"{name} must be one of {sorted(table)}, got {key!r}.")
    return table[key]


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}.")


def _iwae_samples(objective, iwae_samples, hypermodel):
    """The IWAE sample count (the default for the "iwae" objective), checked."""
    if iwae_samples is None:
        return DEFAULT_IWAE_SAMPLES if objective == "iwae" else 0
    _check_int("iwae_samples", iwae_samples, minimum=0)
    if objective == "iwae" and iwae_samples == 0:
        raise ValueError("objective 'iwae' needs iwae_samples >= 1.")
    if iwae_samples and "iwae" not in hypermodel.metric_names:
        raise ValueError(f"{hypermodel.model_class.__name__} has no IWAE estimate; leave iwae_samples at 0.")
    return int(iwae_samples)
