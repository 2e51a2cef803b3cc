"""What a newcomer should not see, and what `tfvae train` says before it trains."""

import os

import pytest
import tensorflow as tf

from tfvae import ContrastiveVAE, VAE, regularizers
from tfvae.cli import main as cli_main
from tfvae.cli import run_checks
from tfvae.schedules import Ramp


def test_device_lookup_output_is_hidden_only_without_a_gpu(monkeypatch, capfd):
    def list_devices():  # a CUDA build writes its cuInit error straight to file descriptor 2
        os.write(2, b"failed call to cuInit\n")
        return []

    monkeypatch.setattr(tf.config, "list_physical_devices", list_devices)
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    monkeypatch.setattr(cli_main.glob, "glob", lambda pattern: [])  # no /dev/nvidia*
    cli_main.initialize_devices_quietly()
    assert "cuInit" not in capfd.readouterr().err
    os.write(2, b"still heard\n")  # stderr is back afterwards
    assert "still heard" in capfd.readouterr().err
    monkeypatch.setattr(cli_main.glob, "glob", lambda pattern: ["/dev/nvidia0"])  # a GPU: nothing hidden
    cli_main.initialize_devices_quietly()
    assert "cuInit" in capfd.readouterr().err


def test_schedules_the_run_ends_before_are_named():
    model = VAE((4,), 2, beta=Ramp(1.0, duration=10, unit="epoch"))
    (line,) = run_checks.schedule_warnings(model, epochs=3, steps_per_epoch=5)
    assert line == "the KL weight (beta) ramps until epoch 10, but the run ends after 3 epochs: it never reaches 1."
    assert run_checks.schedule_warnings(model, epochs=10, steps_per_epoch=5) == []
    late = ContrastiveVAE((4,), 2, 2, regularizers=[regularizers.Wasserstein(Ramp(5.0, start=500))])
    (line,) = run_checks.schedule_warnings(late, epochs=2, steps_per_epoch=100)
    assert line.startswith("the wasserstein weight starts at step 500, but the run ends after 200 steps")
    assert run_checks.schedule_warnings(late, epochs=6, steps_per_epoch=100) == []


@pytest.mark.parametrize("epoch_size, passes, line", [
    (2000, 1000, "an epoch is 2,000 examples: 2.0 passes over the 1,000 training examples"),
    (1000, 1000, None),
    (640, None, "an epoch is 640 examples of an endless stream (each a new composite)."),
])
def test_an_epoch_that_is_not_one_pass_is_said(epoch_size, passes, line):
    note = run_checks.epoch_note(epoch_size, passes)
    assert note == line if line is None else note.startswith(line)


def test_small_data_gets_epochs_of_at_least_100_batches():
    import argparse
    import types

    from tfvae.cli import train

    args = argparse.Namespace(epoch_size=None, model="cvae", batch_size=64)
    small, large = (types.SimpleNamespace(epoch_examples=lambda model, n=n: n) for n in (600, 20_000))
    # 600 targets: 100 batches an epoch (10.7 passes), so 12 epochs train 1,200 steps, not 120.
    assert train.epoch_size(args, small) == 6400 and train._steps_per_epoch(args, small) == 100
    assert train.epoch_size(args, large) == 20_000  # one pass when that is longer
    args.epoch_size = 128
    assert train.epoch_size(args, small) == 128  # the flag wins
