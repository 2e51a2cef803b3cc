"""The data of a `tfvae train` run in three splits: a built-in dataset or the user's files.

Training streams (from disk for image folders and shards); the validation split
(what `fit` reports as `val_*` and TensorBoard shows) and the test split (read once,
for `metrics.json`) are read into memory, at most `EVALUATION_LIMIT` examples each.
User files without a test set give up a seeded `TEST` fraction of their examples
as the test split, and a seeded `cli_data.VALIDATION` fraction of each set is its
validation split (`pipelines.take_split`); background-only examples have no test
split, since every test score is of test targets.
"""

import dataclasses
import re

from tfvae.cli import data as cli_data

#: Fraction of the user's files held out as the test split when no test files are given.
TEST = 0.2
#: Validation and test examples read into memory for evaluation, figures and summaries.
EVALUATION_LIMIT = 10_000
FILE_FLAGS = ("target", "background", "labels", "test_target", "image_size")


def parse_image_size(text):
    """A flag type: `HxW` (e.g. `64x64`) as `(H, W)`."""
    import argparse

    match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not match or min(int(match[1]), int(match[2])) < 1:
        raise argparse.ArgumentTypeError(f"expected HEIGHTxWIDTH with positive sizes, e.g. 64x64; got {text!r}")
    return int(match[1]), int(match[2])


def add_arguments(group):
    """Declares the flags that name the user's files (in `tfvae train`'s data group)."""
    group.add_argument("--target", "--data", metavar="PATH", default=None,
                       help="train on your own files instead of --dataset: targets (cvae) or examples (vae, as "
                            "--data): an image folder (class sub-folders give labels), TFRecord shards of tfvae data "
                            "write, or a .npy/.npz/.csv file; see docs/user_guide.md")
    group.add_argument("--background", metavar="PATH", default=None,
                       help="cvae: your background-only examples, in any format --target takes")
    group.add_argument("--labels", metavar="PATH", nargs="+", default=None,
                       help="labels of --target (and then of --test-target): a .npy or text file of one label per "
                            "line; only the label-based scores need them")
    group.add_argument("--test-target", metavar="PATH", default=None,
                       help=f"test targets (default: a seeded {TEST:.0%}% of --target)")
    group.add_argument("--image-size", metavar="HxW", type=parse_image_size, default=None,
                       help="resize the images of image folders to this size (default: keep their size, which must "
                            "be one for all)")


@dataclasses.dataclass
class RunData:
    """What a run trains, validates and tests on.

    Attributes:
        name: str. The dataset's name, or the target path.
        shape: tuple of ints. One example's shape.
        targets: training targets (VAE: examples): a dict of arrays or an unbatched
            finite `tf.data.Dataset` of `{"x"[, "label"]}`; None with `fresh`.
        backgrounds: training background-only examples, as `targets`; None for a VAE.
        validation: `pipelines.ContrastiveData` in memory.
        test: `pipelines.ContrastiveData` in memory.
        train_size: int or None. Training targets (None: an endless stream).
        fresh: an endless `tf.data.Dataset` of pairs (mnist_on_grass) or None.
        reference: the training split with its ground truth (`background` crops),
            for the mean-crop baseline; None for user files.
    """

    name: str
    shape: tuple
    targets: object
    backgrounds: object
    validation: object
    test: object
    train_size: object = None
    fresh: object = None
    reference: object = None

    def stream(self, model, seed, epoch_size=None):
        """Unbatched training examples in the model's format: `{"x"}` (vae) or pairs
        `{"target", "background"[, "label"]}` (cvae); one epoch of `epoch_size`
        (default: one pass over the larger training set), or endless for `fresh`."""
        import pipelines

        if self.fresh is not None:
            return self.fresh.map(lambda p: {"x": p["target"]}) if model == "vae" else self.fresh
        if model == "vae":
            if isinstance(self.targets, dict):
                return {"x": self.targets["x"]}
            return self.targets.map(lambda e: {"x": e["x"]})
        return pipelines.contrastive_pairs(self.targets, self.backgrounds, seed=seed, epoch_size=epoch_size)

    def epoch_examples(self, model):
        """Examples in one pass over the training data (None for an endless stream)."""
        if self.fresh is not None:
            return None
        if model == "vae":
            return self.train_size
        return max(self.train_size, _size(self.backgrounds))

    def held_out_backgrounds(self):
        """Backgrounds no step trained on, for the label-free diagnostics: the test
        split's, else the validation split's (your files have no test backgrounds);
        None when there are none (a VAE's data)."""
        for split in (self.test, self.validation):
            held = split.background.get("x")
            if held is not None and len(held):
                return held
        return None

    def labelled(self):
        """Whether the test targets have labels (the label-based scores need them)."""
        return "label" in self.test.target


def _size(data):
    return len(data["x"]) if isinstance(data, dict) else int(data.cardinality())


def uses_files(args):
    """Whether the flags name the user's own files."""
    return any(getattr(args, flag, None) for flag in FILE_FLAGS[:-1])


def load(args):
    """The `RunData` the flags (or a run's saved flags) describe.

    Raises:
        SystemExit: flags that do not fit together, or files that cannot be read
            (one line).
    """
    if uses_files(args):
        try:
            return _from_files(args)
        except (OSError, ValueError) as error:
            raise SystemExit(f"tfvae: {error}") from None
    return _builtin(args)


def _builtin(args):
    validation = getattr(args, "validation", 0.0)  # runs of tfvae 0.2 and before trained on every training example
    composites = getattr(args, "composites", 1)  # fixed composites per digit (tfvae 0.1 runs), or "fresh"
    splits = cli_data.load(args.dataset, args.digits, args.seed, composites if isinstance(composites, int) else 1,
                           validation)
    shape = tuple(splits.train.target["x"].shape[1:])
    fresh = (cli_data.fresh_pairs(args.dataset, args.digits, args.seed, validation)
             if args.dataset == "mnist_on_grass" else None)
    targets = {k: v for k, v in splits.train.target.items() if k in ("x", "label")}
    return RunData(args.dataset, shape, targets, splits.train.background or None, splits.validation, splits.test,
                   len(targets["x"]), fresh, splits.train)


def _from_files(args):
    """Opens `--target`, `--background` and the test files, and splits them."""
    import pipelines

    if args.model == "cvae" and not args.background:
        raise ValueError("a cvae needs --background (your background-only examples) beside --target.")
    if not args.target:
        raise ValueError("name your training files with --target (cvae) or --data (vae).")
    if args.model == "vae" and args.background:
        raise ValueError("--model vae trains on --data alone; --background is for cvae.")
    labels = list(args.labels or ())
    if len(labels) > 2 or (len(labels) == 2 and not args.test_target):
        raise ValueError("--labels takes the labels of --target, then (only with --test-target) of --test-target.")
    target = _open(args.target, args.image_size, "--target", labels[0] if labels else None)
    test_target = args.test_target and _open(args.test_target, args.image_size, "--test-target",
                                             labels[1] if len(labels) == 2 else None)
    sets = {"target": (target, test_target)}
    if args.model == "cvae":
        sets["background"] = (_open(args.background, args.image_size, "--background"), None)
    for files in [f for pair in sets.values() for f in pair if f]:
        if tuple(files.shape) != tuple(target.shape):
            raise ValueError(f"{files.path!r} holds examples of shape {tuple(files.shape)}, but --target's are "
                             f"{tuple(target.shape)}: they must match (--image-size resizes image folders).")
    splits = {name: _split(train, test, args.seed) for name, (train, test) in sets.items()}
    validation = {name: pipelines.to_arrays(parts[1], EVALUATION_LIMIT) for name, parts in splits.items()}
    test = pipelines.to_arrays(splits["target"][2], EVALUATION_LIMIT)
    return RunData(args.target, tuple(target.shape), splits["target"][0], splits.get("background", (None,))[0],
                   pipelines.ContrastiveData(validation["target"], validation.get("background", {})),
                   pipelines.ContrastiveData(test, {}), int(splits["target"][0].cardinality()))


def _open(path, image_size, name, labels=None):
    from pipelines import user_files

    files = user_files.open_files(path, image_size, name)
    if labels:
        if files.labelled:
            raise ValueError(f"{name} {path!r} holds its own labels; drop --labels or the labels in the files.")
        files = user_files.with_labels(files, *user_files.read_labels(labels, files.size, f"labels of {name}"))
    return files


def _split(train, test, seed):
    """`(train, validation, test)` datasets of one set: `test` files when given, else
    a seeded `TEST` fraction of `train`; a seeded `cli_data.VALIDATION` fraction of
    `train` validates."""
    held = 0.0 if test else TEST
    parts = [train.split(split, seed, cli_data.VALIDATION, held) for split in ("train", "validation")]
    return (*parts, test.data if test else train.split("test", seed, cli_data.VALIDATION, held))
