"""`tfvae train`: fit a VAE or ContrastiveVAE on a built-in dataset or your own files
and write a run folder.

Data come in three splits: training, validation (the `val_*` columns, TensorBoard,
`tfvae tune`'s score) and test (read once at the end, for `metrics.json`). Your
own files (`--target`/`--background`, `--data` for a VAE) are image folders,
TFRecord shards or `.npy`/`.npz`/`.csv` arrays; without `--test-target` a seeded
20% of them is the test split (`tfvae.cli.run_data`).

The model is a preset (`--preset`, default the recommended recipe, which is also
`ContrastiveVAE`'s defaults) with any constructor argument changed by a YAML
model config (`--model-config`), e.g.

    decoder: joint
    likelihood: normal_global
    regularizers:
      - {class_name: TotalCorrelation, config: {weight: 5.0}}

The run folder holds `model.keras`, `model_config.yaml` (the model's `get_config`,
which `--model-config` takes back), TensorBoard logs (`logs/`), `metrics.json`,
`separation.png`, `history.csv`, the flags (`args.json`) and, while a run is
unfinished, its epoch checkpoints (`backup/`, used by `--resume`).
"""

import argparse
import contextlib
import datetime
import json
import os
import shutil
import sys

from tfvae.cli import data as cli_data
from tfvae.cli import model_config, report, run_checks, run_data, run_folder
from tfvae.cli.config import positive_int
from tfvae.distribute import choose_strategy, fit_distributed, is_chief

PROG = "tfvae train"
#: The folder of epoch (and step) checkpoints, removed once the model is saved.
BACKUP = "backup"
#: Steps an epoch has at least by default: on small data an epoch is then several
#: passes, so 12 epochs train the 1,200 steps the separation suite's image settings
#: needed, whatever the data's size (600 targets in batches of 64 would give 10 steps).
MIN_EPOCH_STEPS = 100
#: Pairs per epoch of mnist_on_grass's endless stream (other data: one pass per epoch, or more).
STREAM_EPOCH = 6400
#: Validation targets summarized in TensorBoard (histograms, per-dimension KL, projector).
SUMMARY_EXAMPLES = 512


def add_arguments(parser):
    """Declares the flags of `tfvae train`, in groups."""
    from tfvae import presets

    data = parser.add_argument_group("data")
    data.add_argument("--dataset", choices=cli_data.DATASETS, default="mnist_on_grass",
                      help="a built-in dataset (unless --target names your files); mnist_on_grass trains on an endless "
                           "stream that lays every digit over a new grass crop")
    cli_data.add_digits_argument(data)
    run_data.add_arguments(data)
    data.add_argument("--seed", type=int, default=0,
                      help="seed of the data (splits, crops, pairing), the weights and the model's noise")
    model = parser.add_argument_group("model")
    model.add_argument("--model", choices=("cvae", "vae"), default="cvae", help="contrastive VAE or plain VAE")
    model.add_argument("--preset", choices=tuple(presets.PRESETS), default="recommended",
                       help="cvae recipe: recommended (ContrastiveVAE's defaults) or a published method: "
                            "abid_zou_2019 (total correlation), mm_cvae (MMD), contrastive_vi (Wasserstein); "
                            "tfvae.presets.describe() and docs/user_guide.md describe each")
    model.add_argument("--model-config", metavar="FILE.yaml", default=None,
                       help="YAML mapping of constructor arguments over the preset (a run's model_config.yaml "
                            "rebuilds its model); see docs/user_guide.md")
    for flag, help in (("--salient-dim", "cvae: size of s (default: 2, or the model config's salient_dim)"),
                       ("--background-dim", "cvae: size of z (default: 16, or the model config's background_dim)"),
                       ("--latent-dim", "vae: latent size (default: 8, or the model config's latent_dim)")):
        model.add_argument(flag, type=positive_int, default=argparse.SUPPRESS, help=help)
    training = parser.add_argument_group("training")
    training.add_argument("--epochs", type=positive_int, default=12, help="passes of --epoch-size examples")
    training.add_argument("--epoch-size", type=positive_int, default=None,
                          help=f"examples (cvae: target/background pairs) per epoch (default: one pass over the "
                               f"larger training set, or {MIN_EPOCH_STEPS} batches when that is more; {STREAM_EPOCH} "
                               f"on mnist_on_grass's endless stream)")
    training.add_argument("--batch-size", type=positive_int, default=64, help="examples per step")
    training.add_argument("--learning-rate", type=float, default=1e-3, help="Adam's learning rate")
    training.add_argument("--strategy", choices=("auto", "none", "mirrored", "multiworker"), default="auto",
                          help="auto: MirroredStrategy with more than one GPU; multiworker: TF_CONFIG cluster")
    training.add_argument("--resume", action="store_true",
                          help="continue the interrupted run in --out from its last epoch checkpoint, with its saved flags")
    output = parser.add_argument_group("output")
    output.add_argument("--out", default=None, help="run folder (default: runs/<timestamp>)")
    output.add_argument("--summary-every", type=positive_int, default=1, metavar="EPOCHS",
                        help=f"TensorBoard images, latent histograms, cluster scores and projector of "
                             f"{SUMMARY_EXAMPLES} validation targets every this many epochs (and after the last)")
    output.add_argument("--verbose", choices=("auto", "0", "1", "2"), default="auto",
                        help="Keras fit output: 1 a progress bar, 2 one line per epoch, 0 silent; "
                             "auto: a bar on a terminal, lines otherwise (logs)")


def build_model(args, input_shape, config=None):
    """The model the flags describe: `config` (a saved `get_config`) when given, else
    the preset with `--model-config`'s arguments and the size flags.

    Raises:
        SystemExit: a bad model config, or arguments the model refuses (one line).
    """
    import tfvae

    try:
        if config is not None:
            return (tfvae.ContrastiveVAE if args.model == "cvae" else tfvae.VAE).from_config(config)
        overrides = model_config.read(args.model_config, "tfvae train") if args.model_config else {}
        model_config.check_shape(overrides, input_shape, "tfvae train")
        if args.model == "vae":
            if args.preset != "recommended":
                raise ValueError("--preset names a cvae recipe; --model vae takes --model-config only.")
            kwargs = {"architecture": "auto", "likelihood": "normal_global", **overrides, "seed": args.seed}
            size = getattr(args, "latent_dim", None) or kwargs.pop("latent_dim", 8)
            kwargs.pop("latent_dim", None)
            return tfvae.VAE(input_shape, size, **kwargs)
        kwargs = {**overrides, "seed": args.seed}
        salient = getattr(args, "salient_dim", None) or kwargs.pop("salient_dim", 2)
        background = getattr(args, "background_dim", None) or kwargs.pop("background_dim", 16)
        kwargs.pop("salient_dim", None), kwargs.pop("background_dim", None)
        return tfvae.ContrastiveVAE.from_preset(args.preset, input_shape, salient, background, **kwargs)
    except (ValueError, TypeError) as error:  # the model's own checks of its arguments
        raise SystemExit(f"tfvae train: {error}") from None


def epoch_size(args, data):
    """Examples per epoch: `--epoch-size`, else one pass over the training data or
    `MIN_EPOCH_STEPS` batches, whichever is more (`STREAM_EPOCH` on an endless stream)."""
    if args.epoch_size:
        return args.epoch_size
    return max(data.epoch_examples(args.model) or STREAM_EPOCH, MIN_EPOCH_STEPS * args.batch_size)


def _steps_per_epoch(args, data):
    return -(-epoch_size(args, data) // args.batch_size)


def _datasets(args, data):
    """(train, validation) tf.data pipelines; the training stream repeats, an epoch
    being `epoch_size` examples."""
    import pipelines

    stream = data.stream(args.model, args.seed, args.epoch_size)
    shuffle = args.model == "vae" and data.fresh is None  # pairs come shuffled
    train = pipelines.batch_pipeline(stream, args.batch_size, shuffle=shuffle, seed=args.seed, scale=False, repeat=True)
    held = {"x": data.validation.target["x"]} if args.model == "vae" else data.validation.pairs(seed=args.seed)
    return train, pipelines.batch_pipeline(held, args.batch_size, shuffle=False, scale=False)


def _summaries(args, model, data, out):
    """The TensorBoard callbacks: scalars, and images and latents of validation targets."""
    from tfvae import callbacks

    examples = data.validation.target["x"][:SUMMARY_EXAMPLES]
    labels = data.validation.target["label"][:SUMMARY_EXAMPLES] if data.labelled() else None
    backgrounds = data.validation.background.get("x")
    backgrounds = None if backgrounds is None else backgrounds[:SUMMARY_EXAMPLES]
    return callbacks.standard_callbacks(model, os.path.join(out, "logs"), examples, labels, args.summary_every,
                                        backgrounds=backgrounds)


def _callbacks(args, model, data, out):
    """`_summaries`, epoch checkpoints and the CSV history."""
    import keras

    return _summaries(args, model, data, out) + [
        # Epoch checkpoints with the optimizer state; the previous one is kept
        # while the next is written, so a crash mid-write loses nothing. They stay
        # until the model is saved (`run` removes them).
        keras.callbacks.BackupAndRestore(os.path.join(out, BACKUP), double_checkpoint=True, delete_checkpoint=False),
        keras.callbacks.CSVLogger(os.path.join(out, run_folder.HISTORY_FILE), append=True),
    ]


def _fit(args, model, data, out):
    """`model.fit` with `_callbacks`, validated on the validation split."""
    train_data, validation_data = _datasets(args, data)
    model.fit(train_data, validation_data=validation_data, epochs=args.epochs, steps_per_epoch=_steps_per_epoch(args, data),
              callbacks=_callbacks(args, model, data, out), shuffle=False, verbose=_verbosity(args))


def _verbosity(args):
    """Keras `verbose` from `--verbose`."""
    if args.verbose == "auto":
        return 1 if sys.stdout.isatty() else 2
    return int(args.verbose)


def _fit_multiworker(args, model, data, strategy, out):
    """Training across TF_CONFIG workers (Keras `fit` cannot): each worker streams its
    shard of the pairs (or targets) and runs the model's own train step, with
    checkpoints in `out/backup` (per epoch) that a restarted cluster resumes from."""
    import pipelines

    stream = data.stream(args.model, args.seed, args.epoch_size)
    shuffle = args.model == "vae" and data.fresh is None

    def dataset_fn(context):
        return pipelines.batch_pipeline(stream, args.batch_size, shuffle=shuffle, seed=args.seed, scale=False,
                                        repeat=True, drop_remainder=True, input_context=context)

    history = fit_distributed(model, dataset_fn, epochs=args.epochs,
                              steps_per_epoch=max(1, epoch_size(args, data) // args.batch_size), strategy=strategy,
                              checkpoint_dir=os.path.join(out, BACKUP), keep_checkpoints=True,
                              callbacks=_summaries(args, model, data, out) if is_chief(strategy) else None)
    if is_chief(strategy):
        run_folder.append_history(history, args.epochs, os.path.join(out, run_folder.HISTORY_FILE))


def _ignored_on_resume(args, saved):
    """The flags given with `--resume` (set away from their default) that differ from
    the run's saved ones, as `--name value`."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    defaults, saved = vars(parser.parse_args([])), vars(saved)
    return [
        f"--{name.replace('_', '-')} {value}"
        for name, value in vars(args).items()
        if name in defaults and name not in ("resume", "out") and value != defaults[name] and value != saved.get(name)
    ]


def _run_arguments(args, out):
    """Checks the run folder (held by this process); with `--resume`, reloads the
    run's flags and model config and says what state it found.

    Returns:
        `(args, saved model config or None)`.

    Raises:
        SystemExit: resuming a folder without a run, a finished one or one written
            by tfvae 0.1; or starting over an unfinished or finished run.
    """
    backup, model = os.path.join(out, BACKUP), os.path.join(out, run_folder.MODEL_FILE)
    if args.resume:
        saved = run_folder.load_flags(out, f"{PROG} --resume")
        if not os.path.exists(backup) and os.path.exists(model):
            raise SystemExit(f"{PROG} --resume: the run in {out!r} has finished; there is nothing to resume.")
        config = run_folder.load_model_config(out, f"{PROG} --resume")
        ignored = _ignored_on_resume(args, saved)
        if ignored:
            print(f"warning: {PROG} --resume continues with the run's saved flags; ignored: {', '.join(ignored)}",
                  file=sys.stderr)
        resumed = argparse.Namespace(**{**vars(args), **vars(saved), "resume": True, "out": out})
        print(f"{PROG} --resume: {_resume_state(backup, resumed.epochs)}")
        if run_folder.repair_history(os.path.join(out, run_folder.HISTORY_FILE)):
            print(f"{PROG} --resume: dropped the unfinished last row of {run_folder.HISTORY_FILE}.")
        return resumed, config
    if os.path.exists(backup):
        raise SystemExit(f"{PROG}: {out!r} holds an unfinished run; pass --resume to continue it or choose another --out.")
    if os.path.exists(model):
        raise SystemExit(f"{PROG}: {out!r} holds a finished run; choose another --out (or delete the folder).")
    return args, None


def _resume_state(backup, epochs):
    """What a killed run left, in words: the last epoch checkpoint, or none."""
    try:
        with open(os.path.join(backup, "training_metadata.json")) as f:
            done = int(json.load(f)["epoch"]) + 1
    except (OSError, ValueError, KeyError):
        return "no epoch had finished; training starts from the beginning."
    if done >= epochs:
        return f"all {epochs} epochs had finished; writing the model and metrics from the last checkpoint."
    return f"continuing after epoch {done} of {epochs} from its checkpoint."


def _run_folder(out, resume):
    """Creates `out` (a new run) and checks it can be written.

    Raises:
        SystemExit: `out` is a file, cannot be created or is not writable.
    """
    if os.path.exists(out) and not os.path.isdir(out):
        raise SystemExit(f"{PROG}: --out {out!r} is a file, not a folder.")
    if not resume:
        try:
            os.makedirs(out, exist_ok=True)
        except OSError as error:
            raise SystemExit(f"{PROG}: cannot create --out {out!r}: {error.strerror}.") from None
    if os.path.isdir(out) and not os.access(out, os.W_OK):
        raise SystemExit(f"{PROG}: --out {out!r} is not writable.")


def run(args):
    """Trains, evaluates on the test split and writes the run folder; returns the metrics."""
    if args.model == "cvae" and args.dataset not in cli_data.CONTRASTIVE and not run_data.uses_files(args):
        raise SystemExit(f"{PROG}: --model cvae needs a dataset with a background set: one of {cli_data.CONTRASTIVE}, "
                         "or your own files (--target and --background).")
    out = args.out or os.path.join("runs", datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    if not is_chief():
        return _train(args, out)  # the chief checks, holds and writes the run folder
    _run_folder(out, args.resume)
    with run_folder.locked(out, PROG) if os.path.isdir(out) else contextlib.nullcontext():
        return _train(args, out)


def _train(args, out):
    """`run` with the folder held."""
    import keras

    if is_chief():
        args, config = _run_arguments(args, out)
    else:
        config = run_folder.load_model_config(out, PROG) if args.resume else None
    # The classes the run trains on, recorded as such (evaluate on another dataset keeps them).
    args.digits = cli_data.digits_of(args.dataset, args.digits)
    if not args.resume:
        args.validation = cli_data.VALIDATION  # recorded: runs of tfvae 0.2 had no validation split
    keras.utils.set_random_seed(args.seed)
    print(f"{PROG}: loading the data", flush=True)
    data = run_data.load(args)
    shape = data.shape
    note = run_checks.epoch_note(epoch_size(args, data), data.epoch_examples(args.model))
    if note and is_chief():
        print(f"{PROG}: {note}")
    print(f"{PROG}: building the model", flush=True)
    strategy = choose_strategy(args.strategy)
    with strategy.scope():
        model = build_model(args, shape, config)
        model.compile(keras.optimizers.Adam(args.learning_rate))
    for line in run_checks.schedule_warnings(model, args.epochs, _steps_per_epoch(args, data)) if is_chief() else ():
        print(f"warning: {PROG}: {line}", file=sys.stderr)
    if not args.resume and is_chief():
        run_folder.save_flags(args, out)
        run_folder.save_model_config(model, out)
    if args.strategy == "multiworker":
        _fit_multiworker(args, model, data, strategy, out)
        if not is_chief(strategy):
            return None  # the chief writes the run folder
    else:
        _fit(args, model, data, out)
    print(f"{PROG}: saving the model to {out}", flush=True)
    run_folder.save_model(model, out)
    print(f"{PROG}: evaluating on the test split ({len(data.test.target['x'])} targets)", flush=True)
    metrics = {"model": args.model, "dataset": data.name, "epochs": args.epochs,
               **report.evaluate(model, data.reference, data.test, args.seed, data.held_out_backgrounds())}
    run_folder.write_json(metrics, os.path.join(out, "metrics.json"))
    report.save_outputs(model, data.test, out)
    shutil.rmtree(os.path.join(out, BACKUP), ignore_errors=True)  # the run is complete: its checkpoints go
    report.print_results(metrics, model)
    print(f"run written to {out}")
    return metrics
