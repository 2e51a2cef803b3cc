"""Datasets the command line can train on, all available offline, and the flags that pick one."""

import pipelines

CONTRASTIVE = ("mnist_on_grass", "synthetic")
PLAIN = ("mnist_subset", "digits_8x8")
DATASETS = CONTRASTIVE + PLAIN
SETS = ("target", "background")


def parse_digits(text):
    """Digit classes `D,D,...` (e.g. `0,1`), or `all` (returned as None).

    Raises:
        ValueError: text that is not comma-separated integers or `all`.
    """
    if text in ("", "all"):
        return None
    return tuple(int(d) for d in text.split(","))


def add_selection_arguments(parser):
    """Declares `--split`, `--set`, `--digits` and `--seed`: which examples of a
    built-in dataset a `tfvae data` command reads."""
    parser.add_argument("--split", choices=("train", "test"), default="train")
    parser.add_argument("--set", choices=SETS, default="target",
                        help="the target examples (with labels and any ground truth) or the background-only set")
    parser.add_argument("--digits", type=parse_digits, default=(0, 1), metavar="D,D,...|all",
                        help="mnist_on_grass digit classes (default 0,1)")
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


def parse_composites(text):
    """`--composites`: `fresh` or a positive int.

    Raises:
        argparse.ArgumentTypeError: anything else.
    """
    import argparse

    if text == "fresh":
        return text
    try:
        value = int(text)
    except (TypeError, ValueError):
        value = 0
    if value < 1 or str(text).strip() != str(value):
        raise argparse.ArgumentTypeError(f"expected 'fresh' or a positive int, got {text!r}")
    return value


def fresh_pairs(name, digits=None, seed=0):
    """The training split of `name` as an infinite stream with a new grass crop for
    every example (`pipelines.mnist_on_grass_pairs`); only mnist_on_grass has one."""
    if name != "mnist_on_grass":
        raise ValueError(f"only mnist_on_grass streams fresh composites, not {name!r}.")
    return pipelines.mnist_on_grass_pairs("train", digits=digits, seed=seed)


def load(name, digits=None, seed=0, composites=1):
    """Returns `(train, test)` as `pipelines.ContrastiveData`.

    `composites` (mnist_on_grass only) puts each training digit over that many grass
    crops (`pipelines.mnist_on_grass`); the test split keeps one per digit.

    Plain datasets (no background set) come with an empty `background` dict, so only
    the VAE can train on them.
    """
    if name == "mnist_on_grass":
        return (pipelines.mnist_on_grass("train", digits=digits, seed=seed, composites=composites),
                pipelines.mnist_on_grass("test", digits=digits, seed=seed))
    if name == "synthetic":
        return pipelines.synthetic_subgroups(seed=seed), pipelines.synthetic_subgroups(seed=seed + 1)
    if name in PLAIN:
        load_split = getattr(pipelines, name)
        splits = []
        for split in ("train", "test"):
            x, y = load_split(split, seed=seed)
            splits.append(pipelines.ContrastiveData(target={"x": x, "label": y}, background={}))
        return tuple(splits)
    raise ValueError(f"dataset must be one of {DATASETS}, got {name!r}.")
