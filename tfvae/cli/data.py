"""Datasets the command line can train on, all available offline, and the flags that pick one."""

import pipelines

CONTRASTIVE = ("mnist_on_grass", "synthetic")
PLAIN = ("mnist_subset", "digits_8x8")
DATASETS = CONTRASTIVE + PLAIN
SETS = ("target", "background")
#: `--digits` not given: each dataset's own classes, 0 and 1 on mnist_on_grass (as in
#: contrastive PCA), all ten on the plain digit sets.
DATASET_DEFAULT = "default"
DEFAULT_DIGITS = {"mnist_on_grass": (0, 1)}
DIGIT_DATASETS = ("mnist_on_grass",) + PLAIN


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


def add_selection_arguments(parser):
    """Declares `--split`, `--set`, `--digits` and `--seed`: which examples of a
    built-in dataset a `tfvae data` command reads."""
    parser.add_argument("--split", choices=("train", "test"), default="train")
    parser.add_argument("--set", choices=SETS, default="target",
                        help="the target examples (with labels and any ground truth) or the background-only set")
    add_digits_argument(parser)
    parser.add_argument("--seed", type=int, default=0, help="seed of the dataset's split, composition or generation")


def select(args, name):
    """The example fields (dict of numpy arrays) that `add_selection_arguments`' flags choose.

    Raises:
        SystemExit: `--set background` of a dataset without one.
    """
    train, test = load(name, args.digits, args.seed)
    fields = getattr(train if args.split == "train" else test, args.set)
    if not fields:
        raise SystemExit(f"tfvae data: {name} has no {args.set} set; datasets with one: {', '.join(CONTRASTIVE)}.")
    return fields


def fresh_pairs(name, digits=None, seed=0):
    """The training split of `name` as an infinite stream with a new grass crop for
    every example (`pipelines.mnist_on_grass_pairs`); only mnist_on_grass has one."""
    if name != "mnist_on_grass":
        raise ValueError(f"only mnist_on_grass streams fresh composites, not {name!r}.")
    return pipelines.mnist_on_grass_pairs("train", digits=digits_of(name, digits), seed=seed)


def load(name, digits=None, seed=0, composites=1):
    """Returns `(train, test)` as `pipelines.ContrastiveData`.

    `composites` (mnist_on_grass only) puts each training digit over that many grass
    crops (`pipelines.mnist_on_grass`; runs of tfvae 0.1 could train on such a
    fixed set, whose mean crop `tfvae evaluate` still compares with); the test
    split keeps one per digit.

    Plain datasets (no background set) come with an empty `background` dict, so only
    the VAE can train on them.
    """
    digits = digits_of(name, digits)
    if name == "mnist_on_grass":
        return (pipelines.mnist_on_grass("train", digits=digits, seed=seed, composites=composites),
                pipelines.mnist_on_grass("test", digits=digits, seed=seed))
    if name == "synthetic":
        return pipelines.synthetic_subgroups(seed=seed), pipelines.synthetic_subgroups(seed=seed + 1)
    if name in PLAIN:
        load_split = getattr(pipelines, name)
        splits = []
        for split in ("train", "test"):
            x, y = pipelines.keep_digits(*load_split(split, seed=seed), digits)
            splits.append(pipelines.ContrastiveData(target={"x": x, "label": y}, background={}))
        return tuple(splits)
    raise ValueError(f"dataset must be one of {DATASETS}, got {name!r}.")
