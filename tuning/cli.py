"""`tfvae tune`: a hyperparameter search on offline data that writes
`best_hyperparameters.json`, `trials.csv` and `best_model.keras` into `--out`.

`tfvae.cli` wires it as a sub-command (`add_arguments`, `run`), passing the data
loader, so that tuning never imports pipelines. For a distributed search start the
same `tfvae tune ...` command in every process with the `KERASTUNER_*` variables
set (see `tuning.distributed`); only the chief writes the files.
"""

import argparse
import os

import numpy as np

from tfvae.cli.config import positive_int
from tuning.search import HYPERMODELS, search
from tuning.tuners import TUNERS

#: Dataset used when `--dataset` is not given.
DEFAULT_DATASETS = {"vae": "digits_8x8", "cvae": "synthetic"}
LIKELIHOODS = ("auto", "bernoulli", "continuous_bernoulli", "normal", "poisson", "negative_binomial")
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
    """Declares the flags of `tfvae tune` on `parser` (an `argparse.ArgumentParser`)."""
    parser.add_argument("--model", choices=sorted(HYPERMODELS), default="cvae", help="contrastive VAE or plain VAE")
    parser.add_argument("--dataset", default=None,
                        help="offline dataset (default: digits_8x8 for vae, synthetic for cvae)")
    parser.add_argument("--tuner", choices=sorted(TUNERS), default="random")
    parser.add_argument("--objective", choices=("elbo", "iwae", "silhouette"), default="elbo",
                        help="held-out fixed-seed ELBO (cvae: target ELBO), IWAE (vae) or embedding silhouette")
    parser.add_argument("--max-trials", type=positive_int, default=10, help="trials (random, bayesian)")
    parser.add_argument("--epochs", type=positive_int, default=5, help="epochs per trial (hyperband: most epochs per model)")
    parser.add_argument("--space", type=parse_space_item, action="append", default=[], metavar="NAME=SPEC",
                        help="override one range: latent_dim=2:16, beta=0.5:4:log, salient_dim=2,4,8 or beta=1 (fixed); repeatable")
    parser.add_argument("--iwae-samples", type=positive_int, default=None, help="also log the IWAE estimate (vae)")
    parser.add_argument("--architecture", choices=("mlp", "conv"), default="mlp")
    parser.add_argument("--hidden-units", type=_units, default=None, help="mlp widths, e.g. 64,32")
    parser.add_argument("--likelihood", choices=LIKELIHOODS, default="auto",
                        help="p(x|z); auto: bernoulli for data in [0, 1], normal otherwise")
    parser.add_argument("--batch-size", type=positive_int, default=64)
    parser.add_argument("--epoch-size", type=positive_int, default=None, help="cvae: target/background pairs per epoch")
    parser.add_argument("--max-examples", type=positive_int, default=None, help="use at most this many examples per split and set")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="output folder (default: runs/tune-<model>-<dataset>)")
    parser.add_argument("--directory", default=None, help="search directory parent (default: <out>); resumed unless --overwrite")
    parser.add_argument("--project-name", default="search")
    parser.add_argument("--overwrite", action="store_true", help="start the search afresh")
    parser.add_argument("--verbose", type=int, default=1)


def run(args, load):
    """Runs the search the flags describe and writes its files (not on a worker).

    Args:
        args: parsed flags (see `add_arguments`).
        load: callable `(name, seed=...) -> (train, test)` returning
            `pipelines.ContrastiveData`-like splits (the command line passes
            `tfvae.cli.data.load`: tuning itself never imports pipelines).

    Returns:
        The `tuning.results.SearchResult`.
    """
    dataset = args.dataset or DEFAULT_DATASETS[args.model]
    out = args.out or os.path.join("runs", f"tune-{args.model}-{dataset}")
    train, test = load(dataset, seed=args.seed)
    train_data, val_data = SPLITS[args.model](args, train, test)
    x = train.target["x"]
    likelihood = args.likelihood
    if likelihood == "auto":
        likelihood = "bernoulli" if np.min(x) >= 0 and np.max(x) <= 1 else "normal"
    model_kwargs = {"architecture": args.architecture, "likelihood": likelihood}
    if args.hidden_units:
        model_kwargs["network_kwargs"] = {"hidden_units": args.hidden_units}
    result = search(
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
        space=dict(args.space),
        model_kwargs=model_kwargs,
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


def _cut(fields, n):
    return {key: value[:n] for key, value in fields.items()}


def _vae_splits(args, train, test):
    """`(train_data, val_data)` of target examples only (labels kept for the silhouette)."""
    val = _cut(test.target, args.max_examples)
    return _cut(train.target, args.max_examples)["x"], {key: val[key] for key in ("x", "label") if key in val}


def _cvae_splits(args, train, test):
    """Batched target/background pairs for training; held-out arrays for validation."""
    if not train.background:
        raise SystemExit("tfvae tune: --model cvae needs a dataset with a background set.")
    train = type(train)(target=_cut(train.target, args.max_examples), background=_cut(train.background, args.max_examples))
    pairs = train.pairs(seed=args.seed, epoch_size=args.epoch_size).batch(args.batch_size)
    target, background = _cut(test.target, args.max_examples), _cut(test.background, args.max_examples)
    val = {"target": target["x"], "background": background["x"]}
    if "label" in target:
        val["label"] = target["label"]
    return pairs, val


SPLITS = {"vae": _vae_splits, "cvae": _cvae_splits}


def _print_summary(result):
    print(f"objective: {result.objective} (max); best trial {result.best_trial_id}: {result.best_score}")
    print(f"best hyperparameters: {result.best_hyperparameters}")
    tuned = result.tuner.hypermodel.space.tuned()
    print("\t".join(["trial", "status", "score", *tuned]))
    for row in result.trials:
        print("\t".join(str(row.get(key)) for key in ("trial_id", "status", "score", *tuned)))
