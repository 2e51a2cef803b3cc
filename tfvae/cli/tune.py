"""`tfvae tune`: a Keras Tuner search on offline data that writes
`best_hyperparameters.json`, `trials.csv` and `best_model.keras` into `--out`.

`--model cvae` searches around a preset (`--preset`, default the recommended
recipe, which is also `ContrastiveVAE`'s defaults): every trial is the preset with
the trial's salient and background sizes, learning rate, beta and regularizer
weights. Each regularizer of the preset gives a parameter `<term>_weight`, fixed at
the preset's weight unless `--space` gives a range:

    recommended      invariance_weight (0.127551)
    abid_zou_2019    tc_weight (1)
    mm_cvae          mmd_background_weight (80), mmd_salient_weight (8)
    contrastive_vi   wasserstein_weight (10)
    layered          invariance_weight (0.127551), mask_area_weight (0.1)

e.g. `tfvae tune --preset mm_cvae --space mmd_background_weight=10:1000:log`. (The
invariance weight is per input value: 0.127551 = 100 / 784.)
`--model vae` tunes `latent_dim`, `learning_rate` and `beta`.

For a distributed search start the same command in every process with the
`KERASTUNER_*` variables set (see `tuning.distributed`); only the chief writes the
files.
"""

import argparse
import os

import numpy as np

from tfvae.cli import data as cli_data
from tfvae.cli.config import positive_int

#: Dataset used when `--dataset` is not given.
DEFAULT_DATASETS = {"vae": "digits_8x8", "cvae": "synthetic"}
ARCHITECTURES = ("auto", "mlp", "conv")
SAMPLINGS = ("linear", "log")


def parse_space_item(text):
    """Parses one `--space` item `NAME=SPEC` into `(name, spec)`.

    `SPEC` is `LOW:HIGH` (a range, sampled as the parameter declares),
    `LOW:HIGH:log` or `LOW:HIGH:linear` (explicit sampling), `A,B,C` (choices)
    or a single number (fixed).

    Raises:
        argparse.ArgumentTypeError: malformed text.
    """
    name, sep, spec = text.partition("=")
    if not sep or not name or not spec:
        raise argparse.ArgumentTypeError(f"expected NAME=SPEC (e.g. latent_dim=2:16), got {text!r}.")
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) == 3 and parts[2] in SAMPLINGS:
            return name, {"min": _number(parts[0]), "max": _number(parts[1]), "sampling": parts[2]}
        if len(parts) != 2:
            raise argparse.ArgumentTypeError(f"{name}: a range is LOW:HIGH or LOW:HIGH:{'|'.join(SAMPLINGS)}, got {spec!r}.")
        return name, (_number(parts[0]), _number(parts[1]))
    if "," in spec:
        return name, [_number(part) for part in spec.split(",")]
    return name, _number(spec)


def _number(text):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"expected a number, got {text!r}.")


def _units(text):
    return tuple(int(u) for u in text.split(","))


def add_arguments(parser):
    """Declares the flags of `tfvae tune`, in groups."""
    from tfvae import layers, presets
    from tuning.search import HYPERMODELS
    from tuning.tuners import TUNERS

    data = parser.add_argument_group("data")
    data.add_argument("--dataset", choices=cli_data.DATASETS, default=None,
                      help="offline dataset; unset: digits_8x8 for vae, synthetic for cvae")
    data.add_argument("--max-examples", type=positive_int, default=None,
                      help="use at most this many examples per split and set")
    data.add_argument("--epoch-size", type=positive_int, default=None, help="cvae: target/background pairs per epoch")
    data.add_argument("--seed", type=int, default=0, help="seed of the data, the oracle and the models")
    model = parser.add_argument_group("model")
    model.add_argument("--model", choices=sorted(HYPERMODELS), default="cvae", help="contrastive VAE or plain VAE")
    model.add_argument("--preset", choices=tuple(presets.PRESETS), default="recommended",
                       help="cvae recipe the search starts from: recommended (ContrastiveVAE's defaults) or a "
                            "published method: abid_zou_2019 (total correlation), mm_cvae (MMD), contrastive_vi "
                            "(Wasserstein); its regularizers' weights are parameters <term>_weight "
                            "(tfvae.presets.describe() describes each preset)")
    model.add_argument("--architecture", choices=ARCHITECTURES, default=None,
                       help="networks; unset: the preset's for cvae (auto: conv for images whose sides divide by 4, "
                            "mlp otherwise), mlp for vae")
    model.add_argument("--hidden-units", type=_units, default=None, help="mlp widths, e.g. 64,32")
    model.add_argument("--likelihood", choices=("auto", *layers.LIKELIHOOD_NAMES), default="auto",
                       help="p(x|z); auto: the preset's for cvae, bernoulli for data in [0, 1] and normal otherwise "
                            "for vae")
    search = parser.add_argument_group("search")
    search.add_argument("--tuner", choices=sorted(TUNERS), default="random")
    search.add_argument("--objective", choices=("elbo", "iwae", "silhouette"), default="elbo",
                        help="held-out fixed-seed ELBO (cvae: target ELBO), IWAE (vae) or embedding silhouette")
    search.add_argument("--max-trials", type=positive_int, default=10, help="trials (random, bayesian)")
    search.add_argument("--epochs", type=positive_int, default=5,
                        help="epochs per trial (hyperband: most epochs per model)")
    search.add_argument("--space", type=parse_space_item, action="append", default=[], metavar="NAME=SPEC",
                        help="override one parameter: a range (latent_dim=2:16, invariance_weight=0.02:0.5:log), "
                             "choices (salient_dim=2,4,8) or a fixed value (beta=1); repeatable")
    search.add_argument("--iwae-samples", type=positive_int, default=None, help="also log the IWAE estimate (vae)")
    search.add_argument("--batch-size", type=positive_int, default=64)
    output = parser.add_argument_group("output")
    output.add_argument("--out", default=None, help="output folder; unset: runs/tune-<model>-<dataset>")
    output.add_argument("--directory", default=None,
                        help="search directory parent; unset: --out. A search there is resumed unless --overwrite")
    output.add_argument("--project-name", default="search")
    output.add_argument("--overwrite", action="store_true", help="start the search afresh")
    output.add_argument("--verbose", type=int, default=1)


def run(args):
    """Runs the search the flags describe and writes its files (not on a worker).

    Returns:
        The `tuning.results.SearchResult`.

    Raises:
        SystemExit: `--preset` with `--model vae`, or a cvae search on a dataset
            without a background set.
    """
    import tuning

    if args.model == "vae" and args.preset != "recommended":
        raise SystemExit("tfvae tune: --preset names a cvae recipe; --model vae has none.")
    dataset = args.dataset or DEFAULT_DATASETS[args.model]
    out = args.out or os.path.join("runs", f"tune-{args.model}-{dataset}")
    # Trials are scored on the validation split; the test split stays untouched.
    train, validation, _ = cli_data.load(dataset, seed=args.seed)
    train_data, val_data = SPLITS[args.model](args, train, validation)
    result = tuning.search(
        args.model,
        train_data,
        val_data,
        tuner=args.tuner,
        max_trials=args.max_trials,
        epochs=args.epochs,
        batch_size=args.batch_size,
        directory=args.directory or out,
        project_name=args.project_name,
        overwrite=args.overwrite,
        objective=args.objective,
        preset=args.preset if args.model == "cvae" else None,
        space=dict(args.space),
        model_kwargs=model_kwargs(args, train.target["x"]),
        seed=args.seed,
        iwae_samples=args.iwae_samples,
        verbose=args.verbose,
    )
    if result.role == "worker":
        print(f"tfvae tune: worker {os.environ.get('KERASTUNER_TUNER_ID')} done; the chief writes the results.")
        return result
    paths = result.save(out)
    _print_summary(result)
    print("written: " + ", ".join(paths.values()))
    return result


def model_kwargs(args, x):
    """The fixed model arguments the flags give, over the preset's (cvae) or the
    `tfvae.VAE` defaults (vae); `x` are the training targets (for `--likelihood auto`)."""
    kwargs = {}
    if args.model == "vae":
        kwargs["architecture"] = args.architecture or "mlp"
        if args.likelihood == "auto":
            kwargs["likelihood"] = "bernoulli" if np.min(x) >= 0 and np.max(x) <= 1 else "normal"
    elif args.architecture:
        kwargs["architecture"] = args.architecture
    if args.likelihood != "auto":
        kwargs["likelihood"] = args.likelihood
    if args.hidden_units:
        kwargs["network_kwargs"] = {"hidden_units": args.hidden_units}
    return kwargs


def _cut(fields, n):
    return {key: value[:n] for key, value in fields.items()}


def _vae_splits(args, train, validation):
    """`(train_data, val_data)` of target examples only (labels kept for the silhouette)."""
    val = _cut(validation.target, args.max_examples)
    return _cut(train.target, args.max_examples)["x"], {key: val[key] for key in ("x", "label") if key in val}


def _cvae_splits(args, train, validation):
    """Batched target/background pairs for training; held-out arrays for validation."""
    if not train.background:
        raise SystemExit("tfvae tune: --model cvae needs a dataset with a background set.")
    train = type(train)(target=_cut(train.target, args.max_examples), background=_cut(train.background, args.max_examples))
    pairs = train.pairs(seed=args.seed, epoch_size=args.epoch_size).batch(args.batch_size)
    target, background = _cut(validation.target, args.max_examples), _cut(validation.background, args.max_examples)
    val = {"target": target["x"], "background": background["x"]}
    if "label" in target:
        val["label"] = target["label"]
    return pairs, val


SPLITS = {"vae": _vae_splits, "cvae": _cvae_splits}


def _print_summary(result):
    hypermodel = result.tuner.hypermodel
    if getattr(hypermodel, "preset", None):
        print(f"preset: {hypermodel.preset}")
    print(f"objective: {result.objective} (max); best trial {result.best_trial_id}: {result.best_score}")
    print(f"best hyperparameters: {result.best_hyperparameters}")
    tuned = hypermodel.space.tuned()
    print("\t".join(["trial", "status", "score", *tuned]))
    for row in result.trials:
        print("\t".join(str(row.get(key)) for key in ("trial_id", "status", "score", *tuned)))
