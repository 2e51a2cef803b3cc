"""The `tfvae` command line."""

import json
import subprocess
import sys

from tfvae.cli.main import main


def test_help_lists_commands():
    result = subprocess.run([sys.executable, "-m", "tfvae.cli.main", "--help"], capture_output=True, text=True, check=True)
    assert "train" in result.stdout


def test_train_writes_a_run_folder(tmp_path):
    out = tmp_path / "run"
    status = main(["train", "--dataset", "digits_8x8", "--architecture", "mlp", "--latent-dim", "2", "--epochs", "2", "--out", str(out)])
    assert status == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test_elbo"] > metrics["test_elbo_untrained"]
    assert (out / "model.keras").exists()
    assert any((out / "logs").rglob("events.out.tfevents.*"))
