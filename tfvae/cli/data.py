"""Datasets the command line can train on, all available offline."""

import pipelines

CONTRASTIVE = ("mnist_on_grass", "synthetic")
PLAIN = ("mnist_subset", "digits_8x8")
DATASETS = CONTRASTIVE + PLAIN


def load(name, digits=None, seed=0):
    """Returns `(train, test)` as `pipelines.ContrastiveData`.

    Plain datasets (no background set) come with an empty `background` dict, so only
    the VAE can train on them.
    """
    if name == "mnist_on_grass":
        return tuple(pipelines.mnist_on_grass(split, digits=digits, seed=seed) for split in ("train", "test"))
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
