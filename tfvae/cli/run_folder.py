"""The files of a run folder that `tfvae train` writes and the other commands read.

Every file is written under a temporary name in the folder and moved into place
(`os.replace`, atomic on one file system), so a killed process leaves the old
file or the new one, never half of one. A run owns its folder through a lock file.
"""

import argparse
import contextlib
import json
import os
import socket
import time

MODEL_FILE = "model.keras"
FLAGS_FILE = "args.json"
HISTORY_FILE = "history.csv"
MODEL_CONFIG_FILE = "model_config.yaml"
LOCK_FILE = ".lock"

#: Parsed flags that are not recorded: the command's function and the resume switch.
_NOT_RECORDED = ("run", "resume")


def save_flags(args, folder):
    """Records the flags of a run as `folder/args.json`.

    Args:
        args: `argparse.Namespace` of `tfvae train`.
        folder: str. The run folder (must exist).
    """
    write_json({k: v for k, v in vars(args).items() if k not in _NOT_RECORDED}, os.path.join(folder, FLAGS_FILE))


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
        SystemExit: `folder` holds no `model.keras` (e.g. training did not finish),
            or one that does not load.
    """
    path = os.path.join(folder, MODEL_FILE)
    if not os.path.exists(path):
        raise SystemExit(f"{prog}: {folder!r} has no {MODEL_FILE}; did its training finish?")
    return read_model(path, prog)


def read_model(path, prog):
    """A model from a `.keras` file, with a one-line error for a file that does not
    load: truncated or empty, not a Keras file, or refused by Keras's safe mode.

    Raises:
        SystemExit: the file does not load.
    """
    import keras

    try:
        return keras.models.load_model(path)
    except Exception as error:  # zipfile, h5py, JSON and Keras errors alike
        reason = " ".join(str(error).split())[:300] or type(error).__name__
        raise SystemExit(f"{prog}: {path!r} does not load as a Keras model (truncated, empty, not a .keras file, "
                         f"or refused by safe mode): {reason}") from None


def save_model(model, folder):
    """Saves `model` as `folder/model.keras`, atomically."""
    path = os.path.join(folder, MODEL_FILE)
    partial = os.path.join(folder, ".partial." + MODEL_FILE)  # Keras wants the .keras ending
    model.save(partial)
    os.replace(partial, path)


def write_json(value, path):
    """Writes `value` as JSON to `path`, atomically."""
    partial = os.path.join(os.path.dirname(path) or ".", ".partial." + os.path.basename(path))
    with open(partial, "w") as f:
        json.dump(value, f, indent=2)
    os.replace(partial, path)


@contextlib.contextmanager
def locked(folder, prog):
    """Holds `folder/.lock` (process id, host, start time) while the body runs.

    A lock whose process no longer runs on this host is taken over.

    Raises:
        SystemExit: another running process holds the folder.
    """
    path = os.path.join(folder, LOCK_FILE)
    mine = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%d %H:%M:%S")}
    for _ in range(2):
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            holder = _holder(path)
            if holder is None:  # a stale lock of a process that died: take it over
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path)
                continue
            raise SystemExit(f"{prog}: {folder!r} is in use by process {holder['pid']} on {holder['host']} "
                             f"(since {holder['since']}); wait for it or choose another --out.") from None
        with os.fdopen(descriptor, "w") as f:
            json.dump(mine, f)
        break
    else:
        raise SystemExit(f"{prog}: could not lock {folder!r}.")
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


def _holder(path):
    """The lock's holder, or None when its process has ended (on this host) or the
    file is unreadable (a process killed while writing it)."""
    try:
        with open(path) as f:
            holder = json.load(f)
    except (OSError, ValueError):
        return None
    if holder.get("host") != socket.gethostname():
        return holder  # another machine's process: assume it runs
    try:
        os.kill(int(holder["pid"]), 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # it runs, as another user
    return holder


def save_model_config(model, folder):
    """Records the model's `get_config` as `folder/model_config.yaml`."""
    from tfvae.cli import model_config

    partial = os.path.join(folder, ".partial." + MODEL_CONFIG_FILE)
    model_config.dump(model, partial)
    os.replace(partial, os.path.join(folder, MODEL_CONFIG_FILE))


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


def repair_history(path):
    """Drops a last row a killed process left unfinished (no line end) from a
    CSVLogger file, so that a resumed run appends whole rows; returns whether one was."""
    if not os.path.exists(path):
        return False
    with open(path, "rb") as f:
        content = f.read()
    if not content or content.endswith(b"\n"):
        return False
    partial = os.path.join(os.path.dirname(path) or ".", ".partial." + os.path.basename(path))
    with open(partial, "wb") as f:
        f.write(content[: content.rfind(b"\n") + 1])
    os.replace(partial, path)
    return True
