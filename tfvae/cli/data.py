"""Datasets the command line can train on, all available offline, and the flags that pick one."""

from typing import NamedTuple

import numpy as np

import pipelines

CONTRASTIVE = ("mnist_on_grass", "synthetic")
PLAIN = ("mnist_subset", "digits_8x8")
DATASETS = CONTRASTIVE + PLAIN
SETS = ("target", "background")
#: `--set` of `tfvae data write`: both sets, each into its own folder.
BOTH = "both"
#: `--digits` not given: each dataset's own classes, 0 and 1 on mnist_on_grass (as in
#: contrastive PCA), all ten on the plain digit sets.
DATASET_DEFAULT = "default"
DEFAULT_DIGITS = {"mnist_on_grass": (0, 1)}
DIGIT_DATASETS = ("mnist_on_grass",) + PLAIN
#: Fraction of a built-in training split held out as the validation split.
VALIDATION = 0.1


def parse_digits(text):
    """Digit classes `D,D,...` (e.g. `0,1`), `all` (returned as None), or
    `DATASET_DEFAULT` (the flag's default, resolved by `digits_of`).

    Raises:
        argparse.ArgumentTypeError: anything but comma-separated classes 0..9 or `all`.
    """
    import argparse

    if text == DATASET_DEFAULT:
        return text
    if text in ("", "all"):
        return None
    try:
        digits = tuple(int(d) for d in text.split(","))
    except ValueError:
        digits = ()
    if not digits or not set(digits) <= set(range(10)):
        raise argparse.ArgumentTypeError(f"expected digit classes 0..9 as D,D,... or 'all', got {text!r}")
    return digits


def add_digits_argument(parser, **kwargs):
    """Declares `--digits` (`kwargs` override its default)."""
    options = dict(type=parse_digits, default=DATASET_DEFAULT, metavar="D,D,...|all",
                   help="digit classes of mnist_on_grass, mnist_subset or digits_8x8, e.g. 0,1 or 'all' "
                        "(default: 0,1 on mnist_on_grass, as in contrastive PCA; all on the others)")
    parser.add_argument("--digits", **{**options, **kwargs})


def digits_of(name, digits):
    """The classes `digits` keeps of dataset `name`: None (all) for datasets without
    digit classes, the dataset's own default for `DATASET_DEFAULT`."""
    if name not in DIGIT_DATASETS:
        return None
    return DEFAULT_DIGITS.get(name) if digits == DATASET_DEFAULT else digits


def add_selection_arguments(parser, both=False):
    """Declares `--split`, `--set`, `--digits` and `--seed`: which examples of a
    built-in dataset a `tfvae data` command reads (`both`: `--set` may be, and is by
    default, `BOTH`)."""
    parser.add_argument("--split", choices=Splits._fields, default="train", help="which split of the dataset")
    parser.add_argument("--set", choices=SETS + (BOTH,) if both else SETS, default=BOTH if both else "target",
                        help="the target examples (with labels and any ground truth), the background-only set"
                             + (", or both (each into its own sub-folder)" if both else ""))
    add_digits_argument(parser)
    parser.add_argument("--seed", type=int, default=0, help="seed of the dataset's split, composition or generation")


def select(args, name, which=None):
    """The example fields (dict of numpy arrays) that `add_selection_arguments`' flags
    choose; `which` overrides `--set`. `BOTH` gives `{set: fields}` of the sets the
    dataset has.

    Raises:
        SystemExit: `--set background` of a dataset without one.
    """
    which = which or args.set
    split = getattr(load(name, args.digits, args.seed), args.split)
    if which == BOTH:
        return {key: getattr(split, key) for key in SETS if getattr(split, key)}
    fields = getattr(split, which)
    if not fields:
        raise SystemExit(f"tfvae data: {name} has no {which} set; datasets with one: {', '.join(CONTRASTIVE)}.")
    return fields


def fresh_pairs(name, digits=None, seed=0, validation=VALIDATION):
    """The training split of `name` as an infinite stream with a new grass crop for
    every example (`pipelines.mnist_on_grass_pairs`), without the digits held out
    for validation; only mnist_on_grass has one."""
    if name != "mnist_on_grass":
        raise ValueError(f"only mnist_on_grass streams fresh composites, not {name!r}.")
    return pipelines.mnist_on_grass_pairs("train", digits=digits_of(name, digits), seed=seed, validation=validation)


class Splits(NamedTuple):
    """A dataset's three splits, each a `pipelines.ContrastiveData`: `train` (what
    `fit` learns from), `validation` (what `fit` and `tfvae tune` look at: early
    stopping, model selection, TensorBoard) and `test` (read once, for the run's
    metrics)."""

    train: pipelines.ContrastiveData
    validation: pipelines.ContrastiveData
    test: pipelines.ContrastiveData


def load(name, digits=None, seed=0, composites=1, validation=VALIDATION):
    """Returns the `Splits` of a built-in dataset.

    The validation split is a seeded `validation` fraction of the training data
    (training digits over the training half of the grass on mnist_on_grass, an
    independent draw on synthetic), which the training split then leaves out.

    `composites` (mnist_on_grass only) puts each training digit over that many grass
    crops (`pipelines.mnist_on_grass`; runs of tfvae 0.1 could train on such a
    fixed set, whose mean crop `tfvae evaluate` still compares with); the other
    splits keep one per digit. Runs written before there was a validation split
    pass `validation=0` to get their training split back.

    Plain datasets (no background set) come with an empty `background` dict, so only
    the VAE can train on them.
    """
    digits = digits_of(name, digits)
    if name == "mnist_on_grass":
        held = validation or VALIDATION  # (validation=0, older runs: overlaps training; only `evaluate` reads those)
        return Splits(
            pipelines.mnist_on_grass("train", digits=digits, seed=seed, composites=composites, validation=validation),
            pipelines.mnist_on_grass("validation", digits=digits, seed=seed, validation=held),
            pipelines.mnist_on_grass("test", digits=digits, seed=seed),
        )
    if name == "synthetic":
        return Splits(*(pipelines.synthetic_subgroups(seed=seed + offset) for offset in (0, 2, 1)))
    if name in PLAIN:
        load_split = getattr(pipelines, name)
        x, y = pipelines.keep_digits(*load_split("train", seed=seed), digits)
        order = np.random.default_rng([seed, 1]).permutation(len(x))
        held = int(round(len(x) * (validation or VALIDATION)))
        parts = (order[held:] if validation else order, order[:held])
        x_test, y_test = pipelines.keep_digits(*load_split("test", seed=seed), digits)
        return Splits(*(pipelines.ContrastiveData(target={"x": x[np.sort(i)], "label": y[np.sort(i)]}, background={})
                         for i in parts),
                      pipelines.ContrastiveData(target={"x": x_test, "label": y_test}, background={}))
    raise ValueError(f"dataset must be one of {DATASETS}, got {name!r}.")
