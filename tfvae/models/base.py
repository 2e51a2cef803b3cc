"""Shared machinery of the latent variable models: the custom train/test step,
loss trackers, input checks, noise seeds and schedules (KL warm-up).

A subclass implements `_loss_terms(data, training)` returning a dict of named terms
(per-example tensors or scalars) with a scalar `"loss"`; the same dict feeds the
gradient step and the logged metrics (the Pythae "model output" idea).
"""

import keras
import numpy as np
import tensorflow as tf

from tfvae import schedules
from tfvae.layers.likelihoods import LowRankNormal
from tfvae.models import checks
from tfvae.models.batches import unpack_pair, unpack_x
from tfvae.networks import build_decoder, build_encoder, check_network_output, choose_architecture


class LatentVariableModel(keras.Model):
    """Base `keras.Model` with a custom `train_step` minimizing `_loss_terms()["loss"]`.

    Args:
        beta: float or `tfvae.schedules.Schedule`. Weight of the KL term (beta-VAE,
            Higgins et al. 2017); 1 gives the ELBO of eq. 2.7. A schedule gives a
            KL warm-up, e.g. `tfvae.schedules.Ramp(1.0, duration=2000)`.
        num_samples: int. Monte-Carlo samples of z per example.
        validate_inputs: bool. Check batches for shape, NaN/inf and likelihood
            support, raising `ValueError`. Value checks are graph assertions that
            XLA drops, so with checks on `compile(jit_compile="auto")` turns XLA
            off; set False for speed once the data is known to be clean.
        seed: int or None. Seed of the model's noise generator.
        **kwargs: passed to `keras.Model`.

    Attributes:
        epoch: non-trainable int64 scalar variable, the epoch `fit` is in (set at
            the start of every epoch), read by schedules in epochs. Saved with
            the model; created in `__init__`, so a model built under a
            `tf.distribute` strategy's scope gets a mirrored variable.
        first_nonfinite_step: int64 scalar variable, the first training step whose
            loss was NaN or inf (-1: none). `fit` checks it at every epoch end:
            a diverged epoch restores the weights of the epoch's start and raises
            `FloatingPointError` naming the step (no NaN reaches later callbacks).
        planned_steps: int64 scalar variable, the optimizer step at which the
            current training is planned to end (0: not known yet), set by `fit`
            when it starts (its epochs times its steps per epoch, after the steps
            already taken; after the first epoch for data of unknown length).
            Schedules in the unit `"fit"` read `step / planned_steps`, so a late
            start is the same share of the training on any data size.
    """

    #: Key of the examples in dict batches given to the evaluation methods.
    input_key = "x"

    def __init__(self, *, beta=1.0, num_samples=1, validate_inputs=True, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.beta = schedules.as_schedule(beta, "beta")
        if int(num_samples) < 1:
            raise ValueError(f"num_samples must be >= 1, got {num_samples}.")
        self.num_samples = int(num_samples)
        self.validate_inputs = bool(validate_inputs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.term_trackers = []
        # A variable, so compiled steps read its current value without retracing.
        self.epoch = self.add_weight(shape=(), initializer="zeros", dtype="int64", trainable=False, name="epoch")
        # The first optimizer step whose loss was NaN or inf (-1: none), for the divergence guard.
        self.first_nonfinite_step = self.add_weight(
            shape=(), initializer=keras.initializers.Constant(-1), dtype="int64", trainable=False,
            aggregation="only_first_replica", name="first_nonfinite_step")
        self.planned_steps = self.add_weight(shape=(), initializer="zeros", dtype="int64", trainable=False,
                                             aggregation="only_first_replica", name="planned_steps")

    def _track(self, names):
        """Creates one `Mean` tracker per named term (call once from `__init__`)."""
        self.term_trackers = [keras.metrics.Mean(name=name) for name in names]

    # ----------------------------------------------------------------- config
    def _base_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "beta": schedules.serialize(self.beta),
            "num_samples": self.num_samples,
            "validate_inputs": self.validate_inputs,
            "seed": self.seed,
        }

    @staticmethod
    def _deserialize(config, keys):
        """Returns a copy of `config` with the serialized Keras objects under `keys` rebuilt."""
        config = dict(config)
        for key in keys:
            if isinstance(config.get(key), dict):
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return config

    def _set_networks_options(self, input_shape, architecture, network_kwargs):
        """Records `data_shape`, the architecture (`"auto"` resolved for this input
        shape, `tfvae.networks.choose_architecture`) and the builders' options."""
        self.data_shape = tuple(int(d) for d in input_shape)
        self.network_kwargs = dict(network_kwargs or {})
        self.architecture = choose_architecture(architecture, self.data_shape, self.network_kwargs)

    def _encoder(self, given, params_size, role="encoder"):
        """The user's encoder `given`, or one built from `architecture` and
        `network_kwargs`; checked to map `(1, *data_shape)` to `(1, params_size)`."""
        if given is None:
            given = build_encoder(self.architecture, self.data_shape, params_size, name=role, **self.network_kwargs)
        check_network_output(given, self.data_shape, params_size, role)
        return given

    def _decoder(self, given, latent_dim, role="decoder"):
        """The user's decoder `given`, or a built one; checked to map `(1, latent_dim)`
        to the likelihood's `params_size()`."""
        if given is None:
            given = build_decoder(
                self.architecture, latent_dim, self.data_shape, self.likelihood.params_per_dim, name=role,
                **self.network_kwargs,
            )
        check_network_output(given, (latent_dim,), self.likelihood.params_size(), role)
        return given

    def encoder_input(self, x):
        """What the encoders read of a checked batch `x`: the likelihood's
        `encoder_input` (log1p for count likelihoods, as scVI feeds its encoder;
        `x` itself otherwise). The likelihood still scores `x`."""
        return self.likelihood.encoder_input(x)

    def _likelihood(self, params, learn=True):
        """p(x | latents) of decoder parameters `(N, params_size)`. A `LowRankNormal`'s
        factor W learns as its `start` schedule says, and not at all with
        `learn=False` (its gradient gated, `tfvae.layers.gradient_gate`)."""
        if isinstance(self.likelihood, LowRankNormal):
            return self.likelihood(params, learn_factor=self.scheduled(self.likelihood.start) if learn else False)
        return self.likelihood(params)

    # ------------------------------------------------------------------ noise
    def noise_seed(self, seed=None):
        """A stateless seed `(2,)`: from `seed` if given (reproducible), else the next
        draw of the model's `SeedGenerator`."""
        if seed is None:
            return tf.cast(self.seed_generator.next(), tf.int32)
        if isinstance(seed, tf.Tensor):  # already a stateless seed (a compiled evaluation's)
            return tf.cast(seed, tf.int32)
        return tf.constant([int(seed), 0], dtype=tf.int32)

    def scheduled(self, schedule):
        """The value of a `tfvae.schedules.Schedule` now: at the optimizer's step, the
        model's `epoch` and the training's progress (`progress`), a float32 scalar
        read in the graph (no retracing as it changes); its final value when the
        model has no optimizer.

        Args:
            schedule: a `Schedule` or a number.
        """
        schedule = schedules.as_schedule(schedule)
        if getattr(self, "optimizer", None) is None:  # not compiled
            return tf.constant(schedule.final, tf.float32)
        return schedule(self.optimizer.iterations, self.epoch, self.progress())

    def progress(self):
        """The share of the planned training done, `step / planned_steps` clipped to
        [0, 1], a float32 scalar; 0 while the plan is not known (before `fit`, or
        during the first epoch over data of unknown length)."""
        planned = tf.cast(self.planned_steps, tf.float32)
        done = tf.cast(self.optimizer.iterations, tf.float32)
        return tf.where(planned > 0.0, tf.minimum(done / tf.maximum(planned, 1.0), 1.0), 0.0)

    def kl_weight(self):
        """The weight of the KL term now: `beta`, or its schedule's value (eq. 2.7
        has weight 1). Returns a float32 scalar tensor."""
        return self.scheduled(self.beta)

    # ----------------------------------------------------------------- inputs
    def _prepare(self, x, input_shape, likelihood, name="x"):
        """Casts `x` to float and runs the checks enabled by `validate_inputs`."""
        # float32 data: the likelihood scores it in float32 even under mixed precision.
        x = checks.as_float(x, tf.float32, name)
        checks.check_static_shape(x, input_shape, name)
        if self.validate_inputs:
            with tf.control_dependencies(checks.check_values(x, likelihood, name, input_shape)):
                x = tf.identity(x)
        return x

    def _per_batch(self, x, batch_size, fn, seed, verbose=0):
        """Applies `fn(x_batch, seed_b)` to checked batches and concatenates the
        outputs into numpy arrays (a dict of them if `fn` returns a dict).

        `x` is an array `(N, *input_shape)` (converted a batch at a time) or a
        batched `tf.data.Dataset` yielding `x`, `(x, y)` or a dict with key
        `input_key` (streamed, so data larger than memory works). `fn` may return a
        tensor or a dict of tensors. With more than one batch, `fn` runs as one
        `tf.function` (traced once per batch shape, usually two; its
        intermediates freed as the graph goes), and each batch's output is moved to host memory straight
        away: beyond the outputs themselves, memory does not grow with N. Input
        checks run eagerly on each batch (`_prepare`), so bad data raises
        `ValueError` before any network runs. With `verbose`, a progress bar
        counts the examples done when there is more than one batch.
        """
        if isinstance(x, tf.data.Dataset):
            batches, total = (unpack_x(batch, self.input_key) for batch in x), None
        else:
            x = x if hasattr(x, "shape") and hasattr(x, "__getitem__") else np.asarray(x)
            total = int(x.shape[0])
            batches = (x[start : start + batch_size] for start in range(0, total, batch_size))
        several = total is None or total > batch_size
        if several:
            fn = tf.function(fn)  # traced per batch shape: a known batch size keeps `iwae_bound`'s passes small
        progress = keras.utils.Progbar(total, unit_name="example") if verbose and several else None
        outputs = []
        for i, batch in enumerate(batches):
            batch_seed = None if seed is None else tf.constant([int(seed) + 7919 * i, 0], tf.int32)
            prepared = self._prepare(batch, self.data_shape, self.likelihood)
            outputs.append(tf.nest.map_structure(np.asarray, fn(prepared, batch_seed)))
            if progress is not None:
                progress.add(int(prepared.shape[0]))
        if not outputs:
            raise ValueError("got no examples to evaluate.")
        return tf.nest.map_structure(lambda *parts: np.concatenate(parts, axis=0), *outputs)

    # ---------------------------------------------------------------- saving
    def load_own_variables(self, store):
        """Loads the model's own variable (`epoch`). Files of tfvae 0.1 keep a float
        `kl_scale` there instead (`tfvae.models.legacy`); it is not loaded, and
        `fit` sets the epoch at the start of every epoch anyway."""
        from tfvae.models import legacy

        if legacy.holds_kl_scale(store):
            return
        own = self._trainable_variables + self._non_trainable_variables
        if len(store.keys()) < len(own):  # a file of an earlier 0.2, without planned_steps
            for i, variable in enumerate(own[: len(store.keys())]):
                variable.assign(store[f"{i}"])
            return
        super().load_own_variables(store)

    # ---------------------------------------------------------------- export
    def _export_endpoints(self):
        """Dict signature name -> `(function, input_signature)`; subclasses implement."""
        raise NotImplementedError

    def export(self, filepath, format="tf_saved_model", verbose=False, **kwargs):
        """Writes a TensorFlow SavedModel with the model's signatures (see each
        model's `_export_endpoints`; `serve` is the reconstruction). It works on a
        freshly loaded model too: the signatures state their input shapes. Other
        formats go to `keras.Model.export`. Quiet unless `verbose` (Keras would
        print every endpoint's signature)."""
        if format != "tf_saved_model":
            return super().export(filepath, format=format, verbose=verbose, **kwargs)
        archive = keras.export.ExportArchive()
        archive.track(self)
        for name, (function, signature) in self._export_endpoints().items():
            archive.add_endpoint(name, function, input_signature=signature)
        archive.write_out(filepath, verbose=verbose)

    # ------------------------------------------------------------- train loop
    def _loss_terms(self, data, training):
        """Returns a dict of named terms with a scalar `"loss"`; subclasses implement."""
        raise NotImplementedError

    def _trainable_for_loss(self):
        """Variables the main optimizer updates (subclasses may exclude some)."""
        return self.trainable_variables

    @property
    def metrics(self):
        return [self.loss_tracker, *self.term_trackers]

    def _auxiliary_step(self, terms):
        """Hook after the main update (e.g. a discriminator's own step); returns
        extra named terms to log. The base model has none."""
        return {}

    @staticmethod
    def minimize(optimizer, loss_fn, variables):
        """One gradient step of `optimizer` on `loss_fn()` w.r.t. `variables`.

        Gradients are summed over replicas, so each replica's mean loss is divided by
        the number of replicas: the update follows the global-batch mean (eq. 2.15).

        Returns:
            The value of `loss_fn()` (whatever it returns; its `"loss"` entry if a dict).
        """
        with tf.GradientTape() as tape:
            value = loss_fn()
            loss = value["loss"] if isinstance(value, dict) else value
            replicas = tf.distribute.get_strategy().num_replicas_in_sync
            scaled = optimizer.scale_loss(loss / replicas)
        optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        return value

    def train_step(self, data):
        """One minibatch step (eq. 2.15): the loss terms under a tape, a gradient step
        of the main optimizer, any auxiliary step (a TC discriminator's), then the
        trackers. Returns the dict of metric results `fit` logs."""
        terms = self.minimize(self.optimizer, lambda: self._loss_terms(data, training=True), self._trainable_for_loss())
        terms.update(self._auxiliary_step(terms))
        self._note_nonfinite(terms["loss"])
        return self._update_trackers(terms)

    def _note_nonfinite(self, loss):
        """Records the step in `first_nonfinite_step` if `loss` is NaN or inf and no
        earlier step was (in the graph: no host read per step)."""
        step = tf.cast(self.optimizer.iterations, tf.int64) - 1  # the step just taken
        first = self.first_nonfinite_step
        diverged = tf.logical_and(first < 0, tf.logical_not(tf.math.is_finite(tf.cast(loss, tf.float32))))
        first.assign(tf.where(diverged, step, first))

    def test_step(self, data):
        """The loss terms of one held-out batch, without updates (the `val_*` metrics)."""
        return self._update_trackers(self._loss_terms(data, training=False))

    def _update_trackers(self, terms):
        self.loss_tracker.update_state(terms["loss"])
        for tracker in self.term_trackers:
            tracker.update_state(terms[tracker.name])
        return {m.name: m.result() for m in self.metrics}

    # ------------------------------------------------------- keras overrides
    def _resolve_auto_jit_compile(self):
        """`jit_compile="auto"` means no XLA while value checks are on (XLA would
        silently drop them) and Keras's own choice otherwise."""
        if self.validate_inputs:
            return False
        return super()._resolve_auto_jit_compile()

    def _run_checked(self, method, *args, **kwargs):
        """Runs a Keras loop; failed input checks surface as `ValueError`, and after any
        error the traced step functions are dropped so the next call starts clean
        (a step whose trace raised would otherwise stay broken). Data of a known
        shape is checked before the loop starts (`_check_data_shapes`)."""
        data = args[0] if args else kwargs.get("x")
        if data is not None:
            self._check_data_shapes(data)
        try:
            with checks.input_errors_as_value_errors():
                return method(*args, **kwargs)
        except Exception:
            self.train_function = self.test_function = self.predict_function = None
            raise

    def _check_data_shapes(self, data):
        """Raises `ValueError` for arrays or a dataset whose examples have a known
        shape other than the model's, and for target and background arrays of
        different lengths (Keras would fail on them with an unrelated error). A
        step traced for relaxed shapes checks in the graph too, but there a wrong
        shape may fail a layer before the check runs."""
        spec = data.element_spec if isinstance(data, tf.data.Dataset) else data
        if self.input_key == "x":
            items = {"x": unpack_x(spec)}
        else:
            items = dict(zip(("target", "background"), unpack_pair(spec)))
            lengths = {name: len(item) for name, item in items.items() if hasattr(item, "__len__")}
            if not isinstance(data, tf.data.Dataset) and len(set(lengths.values())) > 1:
                raise ValueError(
                    f"fit got {lengths['target']} targets and {lengths['background']} backgrounds: arrays given as "
                    "{'target': ..., 'background': ...} are batched together and must have the same length. Pair "
                    "sets of different sizes with pipelines.contrastive_pairs(target, background), which draws a "
                    "background for every target.")
        for name, item in items.items():
            if hasattr(item, "shape"):
                checks.check_static_shape(tf.TensorSpec(tf.TensorShape(item.shape)), self.data_shape, name)

    def fit(self, *args, callbacks=None, **kwargs):
        """`keras.Model.fit`; failed input checks surface as `ValueError`, and the
        model's `epoch` follows the epochs (for schedules in epochs)."""
        if self.optimizer is not None and not self.optimizer.built:
            # Built eagerly (not inside a trace that may fail) and over all trainable
            # variables, as Keras does when loading, so optimizer state round-trips
            # even when some variables (a discriminator's) have their own optimizer.
            with self.distribute_strategy.scope():
                self.optimizer.build(self.trainable_variables)
        callbacks = [_TrainingGuard(), *(callbacks or [])]  # first: its checks run before any other callback's
        return self._run_checked(super().fit, *args, callbacks=callbacks, **kwargs)

    def evaluate(self, *args, **kwargs):
        """`keras.Model.evaluate`; failed input checks surface as `ValueError`, and
        data that yields no batch raises `ValueError`."""
        result = self._run_checked(super().evaluate, *args, **kwargs)
        if result == [] or result == {}:
            raise ValueError("evaluate got no batches: the data is empty.")
        return result


def divergence_error(step, where, kept):
    """The `FloatingPointError` of a loss that became NaN or inf at training `step`
    (`where`: e.g. "in epoch 3"), saying what was `kept`."""
    return FloatingPointError(
        f"the loss became NaN or inf at training step {step} ({where}); training stopped and {kept}. Lower the "
        "learning rate, clip gradients (e.g. keras.optimizers.Adam(global_clipnorm=1.0)) or check the data's scale.")


class _TrainingGuard(keras.callbacks.Callback):
    """`fit`'s own bookkeeping: sets the model's `planned_steps` when training starts
    (or after the first epoch, over data of unknown length) and its `epoch` at every
    epoch start; at every epoch end (before other callbacks) raises on an epoch
    that saw no batch, and on a loss that became NaN or inf, after restoring the
    model's and its optimizer's variables of the epoch's start."""

    def on_train_begin(self, logs=None):
        self.first_step = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))
        self.plan(self.params.get("steps"))

    def plan(self, steps_per_epoch):
        """Sets `planned_steps` from the steps per epoch (None: not known yet)."""
        epochs = self.params.get("epochs") or 1
        self.planned = steps_per_epoch is not None
        self.model.planned_steps.assign(self.first_step + epochs * int(steps_per_epoch) if self.planned else 0)

    def on_epoch_begin(self, epoch, logs=None):
        self.model.epoch.assign(epoch)
        self.start = [v.numpy() for v in self._state()]

    def _state(self):
        """The model's variables and its optimizer's (moments a NaN gradient would spoil)."""
        return list(self.model.variables) + list(self.model.optimizer.variables)

    def on_epoch_end(self, epoch, logs=None):
        if not self.planned and epoch == 0:  # data of unknown length: the first epoch told its steps
            self.plan(int(keras.ops.convert_to_numpy(self.model.optimizer.iterations)) - self.first_step)
        if not logs:
            raise ValueError(f"fit saw no batch in epoch {epoch}: the training data is empty or ran out "
                             "(repeat a finite dataset, or lower steps_per_epoch).")
        step = int(keras.ops.convert_to_numpy(self.model.first_nonfinite_step))  # one read per epoch
        if step >= 0:
            for variable, value in zip(self._state(), self.start):
                variable.assign(value)
            raise divergence_error(step, f"in epoch {epoch}", f"the model keeps its weights from the start of epoch {epoch}")
