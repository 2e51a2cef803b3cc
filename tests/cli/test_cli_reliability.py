"""What a kill, a second run or a damaged file costs a run folder: nothing, and one line."""

import json
import os
import subprocess
import sys

import keras
import pytest
from helpers import tiny_model_config

from tfvae.cli import report, run_folder
from tfvae.cli.main import main

TINY = ["--dataset", "synthetic", "--epochs", "2", "--epoch-size", "64", "--batch-size", "32"]
#: Runs `tfvae train` in a subprocess that SIGKILLs itself when it reaches `MOMENT`.
KILLED = """
import os, signal, sys
from tfvae.cli import run_folder
from tfvae.cli.main import main

def kill(*args, **kwargs):
    if sys.argv[1] == "while_saving":  # a half-written file under the temporary name
        open(os.path.join(args[1], ".partial.model.keras"), "wb").close()
    os.kill(os.getpid(), signal.SIGKILL)

run_folder.save_model = kill
main(["train", *sys.argv[2:]])
"""


@pytest.mark.parametrize("moment", ["before_saving", "while_saving"])
def test_a_kill_after_training_loses_nothing_and_resume_finishes_the_run(tmp_path, moment):
    out = tmp_path / "run"
    flags = [*TINY, *tiny_model_config(tmp_path), "--out", str(out)]
    killed = subprocess.run([sys.executable, "-c", KILLED, moment, *flags], capture_output=True, text=True)
    assert killed.returncode == -9
    assert (out / "backup").is_dir() and not (out / "model.keras").exists()  # the checkpoints outlive the kill
    with pytest.raises(SystemExit, match="holds an unfinished run"):
        main(["train", *flags])
    assert main(["train", "--resume", "--out", str(out)]) == 0
    assert keras.models.load_model(out / "model.keras").salient_dim == 2
    assert report.read_history(out / "history.csv")["epoch"] == [0.0, 1.0]
    assert (out / "history.csv").read_text().count("epoch,") == 1  # nothing retrained
    assert not (out / "backup").exists() and not (out / ".lock").exists()
    assert json.loads((out / "metrics.json").read_text())["epochs"] == 2


def test_resume_says_what_it_found(tmp_path, capsys):
    from tfvae.cli import train

    backup = tmp_path / "backup"
    backup.mkdir()
    assert train._resume_state(str(backup), 4) == "no epoch had finished; training starts from the beginning."
    (backup / "training_metadata.json").write_text('{"epoch": 1}')
    assert train._resume_state(str(backup), 4) == "continuing after epoch 2 of 4 from its checkpoint."
    (backup / "training_metadata.json").write_text('{"epoch": 3}')
    assert train._resume_state(str(backup), 4).startswith("all 4 epochs had finished")


def test_a_second_run_on_a_held_folder_is_refused_and_a_dead_holder_is_replaced(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    with run_folder.locked(str(out), "first"):  # held by a live process (this one)
        with pytest.raises(SystemExit, match=rf"is in use by process {os.getpid()} on .* \(since"):
            main(["train", *TINY, "--out", str(out)])
    assert not (out / ".lock").exists()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (out / ".lock").write_text(json.dumps({"pid": int(dead.stdout), "host": os.uname().nodename, "since": "then"}))
    with run_folder.locked(str(out), "second"):  # a stale lock is taken over
        assert json.loads((out / ".lock").read_text())["pid"] == os.getpid()


def test_damaged_model_files_and_bad_output_folders_are_one_line(tmp_path):
    empty, truncated = tmp_path / "empty.keras", tmp_path / "truncated.keras"
    empty.write_bytes(b"")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.save(tmp_path / "good.keras")
    truncated.write_bytes((tmp_path / "good.keras").read_bytes()[:200])
    unsafe = tmp_path / "unsafe.keras"
    keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda x: x + 1)]).save(unsafe)
    for path in (empty, truncated, unsafe):
        with pytest.raises(SystemExit, match="does not load as a Keras model") as error:
            main(["evaluate", str(path), "--dataset", "synthetic"])
        assert "\n" not in str(error.value.code)
    run = tmp_path / "run"
    run.mkdir()
    (run / "model.keras").write_bytes(b"")
    with pytest.raises(SystemExit, match="does not load as a Keras model"):
        main(["export", str(run)])
    (tmp_path / "afile").write_text("x")
    with pytest.raises(SystemExit, match="is a file, not a folder"):
        main(["train", *TINY, "--out", str(tmp_path / "afile")])


def test_an_unexpected_error_is_one_line_unless_debug(tmp_path, monkeypatch, capsys):
    from tfvae.cli import data

    def broken(*args, **kwargs):
        raise RuntimeError("the disk\nvanished")

    monkeypatch.setattr(data, "load", broken)
    assert main(["train", *TINY, "--out", str(tmp_path / "a")]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[-1] == "tfvae train: RuntimeError: the disk vanished (--debug shows the traceback)"
    with pytest.raises(RuntimeError, match="vanished"):
        main(["train", *TINY, "--debug", "--out", str(tmp_path / "b")])


def test_resume_of_a_run_on_another_dataset_warns_of_nothing(tmp_path, capsys):
    from tfvae.cli import train

    out = tmp_path / "run"
    assert main(["train", *TINY, *tiny_model_config(tmp_path), "--epochs", "1", "--out", str(out)]) == 0
    (out / "backup").mkdir()  # as if unfinished
    capsys.readouterr()
    import argparse

    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    train._run_arguments(parser.parse_args(["--resume", "--out", str(out)]), str(out))
    assert "ignored" not in capsys.readouterr().err  # --digits was never given


def test_resume_drops_a_history_row_a_kill_left_unfinished(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("epoch,loss\n0,5.0\n1,4.")  # killed while writing epoch 1
    assert run_folder.repair_history(str(path)) and path.read_text() == "epoch,loss\n0,5.0\n"
    assert not run_folder.repair_history(str(path))  # whole rows stay
    assert report.read_history(path) == {"epoch": [0.0], "loss": [5.0]}
