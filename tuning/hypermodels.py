"""Keras Tuner HyperModels that build compiled tfvae models from a search space and
know the model's held-out metrics."""

import copy

import keras
import keras_tuner
import numpy as np

import tfvae
from tfvae import metrics, schedules
from tuning import space as space_lib


class TfvaeHyperModel(keras_tuner.HyperModel):
    """Builds one compiled tfvae model per trial from a `tuning.space.SearchSpace`.

    A subclass names the model class, its tunable `parameters`, the keys of its
    batches, its metric names and its embedding, and may override `make_model`;
    the rest is shared.

    Args:
        input_shape: tuple of ints. Shape of one example.
        space: optional dict of name -> spec overriding the default ranges (see
            `tuning.space`).
        model_kwargs: optional dict of fixed constructor arguments
            (`architecture`, `likelihood`, `network_kwargs`, `seed`, ...). Layers
            given here are cloned for every trial, never shared between models.
        name: optional str.

    Raises:
        ValueError: a bad `space`, or `model_kwargs` fixing a tuned parameter.
    """

    #: The `tfvae` model class built.
    model_class = None
    #: dict of name -> `tuning.space.Parameter`: what may be tuned.
    parameters = {}
    #: Keys the model's batches need.
    batch_keys = ("x",)
    #: Key of the examples the held-out metrics score.
    input_key = "x"
    #: Objective key -> name of the metric in the logs (all maximized).
    metric_names = {}
    #: Names of the presets the model can start from (none: the model has no presets).
    presets = ()

    def __init__(self, input_shape, space=None, model_kwargs=None, name=None):
        super().__init__(name=name)
        self.input_shape = tuple(int(d) for d in input_shape)
        self.space = space_lib.SearchSpace(self.parameters, space)
        self.model_kwargs = dict(model_kwargs or {})
        clash = sorted(set(self.model_kwargs) & set(self.parameters))
        if clash:
            raise ValueError(f"model_kwargs {clash} are search-space parameters; fix them with space={{name: value}} instead.")

    def build(self, hp):
        """Returns the model for the values `hp` holds, compiled with a built Adam
        optimizer at the trial's learning rate."""
        values = self.space.declare(hp)
        learning_rate = values.pop("learning_rate")
        fixed = {key: _fresh(value) for key, value in self.model_kwargs.items()}
        model = self.make_model(values, fixed)
        model.compile(keras.optimizers.Adam(learning_rate))
        # Built now, so checkpoints (and the saved best model) carry its state.
        model.optimizer.build(model.trainable_variables)
        return model

    def make_model(self, values, fixed):
        """The uncompiled model of one trial.

        Args:
            values: dict of the trial's values of the search space (without the
                learning rate).
            fixed: dict of fresh copies of `model_kwargs`.
        """
        return self.model_class(self.input_shape, **values, **fixed)

    def objective(self, key):
        """The `keras_tuner.Objective` (maximized) of an objective key such as `"elbo"`.

        Raises:
            ValueError: a key this model does not report.
        """
        if key not in self.metric_names:
            raise ValueError(f"objective must be one of {sorted(self.metric_names)} for {self.model_class.__name__}; got {key!r}.")
        return keras_tuner.Objective(self.metric_names[key], direction="max")

    def held_out_metrics(self, model, x, labels=None, seed=0, iwae_samples=0):
        """Held-out metrics with a fixed noise seed, comparable across trials.

        Args:
            model: a model this hypermodel built.
            x: held-out examples `(N, *input_shape)`, or a batched dataset that
                yields the same batches on every pass.
            labels: optional int array `(N,)`; adds the embedding's silhouette.
            seed: int. Noise seed of the ELBO and IWAE estimates.
            iwae_samples: int. > 0 adds the IWAE estimate with this many samples.

        Returns:
            Dict of metric name -> float.
        """
        results = {self.metric_names["elbo"]: float(np.mean(model.elbo(x, seed=seed)))}
        if iwae_samples:
            if "iwae" not in self.metric_names:
                raise ValueError(f"{self.model_class.__name__} has no IWAE estimate; set iwae_samples=0.")
            bound = model.log_likelihood(x, num_samples=int(iwae_samples), seed=seed, verbose=0)
            results[self.metric_names["iwae"]] = float(np.mean(bound))
        if labels is not None:
            results[self.metric_names["silhouette"]] = metrics.silhouette(self.embedding(model, x), labels)
        return results

    def embedding(self, model, x):
        """The embedding whose label silhouette is reported, `(N, d)`."""
        raise NotImplementedError


class VAEHyperModel(TfvaeHyperModel):
    """Tunes `tfvae.VAE`: latent dimension, learning rate and (optionally) beta."""

    model_class = tfvae.VAE
    parameters = space_lib.VAE_PARAMETERS
    metric_names = {"elbo": "val_elbo_fixed_seed", "iwae": "val_iwae", "silhouette": "val_latent_silhouette"}

    def embedding(self, model, x):
        """Posterior means of z."""
        return model.encode(x).mean().numpy()


class ContrastiveVAEHyperModel(TfvaeHyperModel):
    """Tunes `tfvae.ContrastiveVAE` around a preset: salient and background
    dimensions, learning rate, beta and the weight of each of the preset's
    regularizers.

    Every trial builds `ContrastiveVAE.from_preset(preset, ...)`; the weights are
    parameters named `<term>_weight` (`tuning.space.regularizer_parameters`),
    fixed at the preset's weights unless `space` gives a range, e.g.
    `space={"invariance_weight": (0.02, 0.5)}` for the recommended preset or
    `{"mmd_background_weight": ..., "mmd_salient_weight": ...}` for `"mm_cvae"`.

    Args:
        input_shape: tuple of ints. Shape of one example.
        preset: str. A name in `tfvae.presets.PRESETS`.
        space: optional dict of name -> spec overriding the default ranges.
        model_kwargs: optional dict of fixed constructor arguments over the
            preset's (`architecture`, `likelihood`, `network_kwargs`, `seed`, ...).
            `regularizers` replaces the preset's, and their weights are tuned instead.
        name: optional str.

    Raises:
        ValueError: an unknown preset, a bad `space`, or `model_kwargs` fixing a
            tuned parameter.
    """

    model_class = tfvae.ContrastiveVAE
    parameters = space_lib.CONTRASTIVE_PARAMETERS
    batch_keys = ("target", "background")
    input_key = "target"
    metric_names = {"elbo": "val_target_elbo_fixed_seed", "silhouette": "val_salient_silhouette"}
    presets = tuple(tfvae.presets.PRESETS)

    def __init__(self, input_shape, preset="recommended", space=None, model_kwargs=None, name=None):
        if preset not in tfvae.presets.PRESETS:
            raise ValueError(f"unknown preset {preset!r}; presets: {', '.join(tfvae.presets.PRESETS)}.")
        self.preset = preset
        model_kwargs = dict(model_kwargs or {})
        if "regularizers" in model_kwargs:
            regularizers = model_kwargs.pop("regularizers")
        else:
            regularizers = tfvae.presets.preset_kwargs(preset).get("regularizers")
        #: The regularizers every trial copies, with the trial's weights.
        if regularizers is None:  # the recommended ones, for the likelihood the trials use
            likelihood = tfvae.layers.get_likelihood(model_kwargs.get("likelihood", "normal_low_rank"), input_shape)
            regularizers = tfvae.presets.default_regularizers(likelihood)
        self.regularizers = list(regularizers)
        self.parameters = space_lib.contrastive_parameters(self.regularizers)
        super().__init__(input_shape, space, model_kwargs, name)

    def make_model(self, values, fixed):
        """`ContrastiveVAE.from_preset` with the trial's sizes, beta and regularizer weights."""
        values = dict(values)
        salient_dim, background_dim = values.pop("salient_dim"), values.pop("background_dim")
        regularizers = [_with_weight(r, values.pop(space_lib.weight_name(r.term), None)) for r in self.regularizers]
        return self.model_class.from_preset(self.preset, self.input_shape, salient_dim, background_dim,
                                            **fixed, **values, regularizers=regularizers)

    def embedding(self, model, x):
        """Posterior means of the salient latents s."""
        return model.salient_embedding(x)


def _with_weight(regularizer, weight):
    """A new regularizer like `regularizer`; `weight` (float or None: keep) replaces
    its ramp's value, keeping the ramp's start and duration."""
    config = regularizer.get_config()
    if weight is not None:
        config["weight"] = schedules.Ramp(**{**regularizer.weight.get_config(), "value": weight})
    return type(regularizer).from_config(config)


def _fresh(value):
    """A copy of a fixed constructor argument; Keras layers are rebuilt from config."""
    if isinstance(value, keras.layers.Layer):
        return keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(value))
    return copy.deepcopy(value)
