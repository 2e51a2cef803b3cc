"""The files of a run folder that `tfvae train` writes and the other commands read."""

import argparse
import json
import os

MODEL_FILE = "model.keras"
FLAGS_FILE = "args.json"
HISTORY_FILE = "history.csv"
MODEL_CONFIG_FILE = "model_config.yaml"

#: Parsed flags that are not recorded: the command's function and the resume switch.
_NOT_RECORDED = ("run", "resume")


def save_flags(args, folder):
    """Records the flags of a run as `folder/args.json`.

    Args:
        args: `argparse.Namespace` of `tfvae train`.
        folder: str. The run folder (must exist).
    """
    with open(os.path.join(folder, FLAGS_FILE), "w") as f:
        json.dump({k: v for k, v in vars(args).items() if k not in _NOT_RECORDED}, f, indent=2)


def load_flags(folder, prog):
    """The flags a run was trained with, as parsed then (lists back to tuples).

    Args:
        folder: str. The run folder.
        prog: str. The command, for the error message (e.g. `"tfvae evaluate"`).

    Returns:
        An `argparse.Namespace`.

    Raises:
        SystemExit: `folder` holds no `args.json`.
    """
    path = os.path.join(folder, FLAGS_FILE)
    if not os.path.exists(path):
        raise SystemExit(f"{prog}: {folder!r} is not a run folder: it has no {FLAGS_FILE}.")
    with open(path) as f:
        saved = json.load(f)
    return argparse.Namespace(**{k: tuple(v) if isinstance(v, list) else v for k, v in saved.items()})


def load_model(folder, prog):
    """The trained model of a run folder.

    Raises:
        SystemExit: `folder` holds no `model.keras` (e.g. training did not finish).
    """
    import keras

    path = os.path.join(folder, MODEL_FILE)
    if not os.path.exists(path):
        raise SystemExit(f"{prog}: {folder!r} has no {MODEL_FILE}; did its training finish?")
    return keras.models.load_model(path)


def save_model_config(model, folder):
    """Records the model's `get_config` as `folder/model_config.yaml`."""
    from tfvae.cli import model_config

    model_config.dump(model, os.path.join(folder, MODEL_CONFIG_FILE))


def load_model_config(folder, prog):
    """The `get_config` a run's model was built from (for `--resume`).

    Raises:
        SystemExit: a run folder without one (written by tfvae 0.1).
    """
    import yaml

    path = os.path.join(folder, MODEL_CONFIG_FILE)
    if not os.path.exists(path):
        raise SystemExit(f"{prog}: {folder!r} has no {MODEL_CONFIG_FILE}: it was written by tfvae 0.1, whose runs "
                         "tfvae 0.2 evaluates and exports but does not resume; start a new run.")
    with open(path) as f:
        return yaml.safe_load(f)


def append_history(history, epochs, path):
    """Appends the last `len(history[...])` epochs of a `{name: [values]}` history to
    a CSVLogger-style file (the multi-worker loop has no `CSVLogger`)."""
    import csv

    names = sorted(history)
    ran = len(history[names[0]]) if names else 0
    new = not os.path.exists(path)
    with open(path, "a", newline="") as f:
        writer = csv.writer(f)
        if new:
            writer.writerow(["epoch", *names])
        for i in range(ran):
            writer.writerow([epochs - ran + i, *(history[name][i] for name in names)])
