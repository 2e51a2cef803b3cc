"""The README's Python examples run as written (with fewer epochs)."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_readme_examples_run(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text()
    code = "\n".join(re.findall(r"```python\n(.*?)```", text, re.S))
    assert "tfvae.VAE" in code and "tfvae.ContrastiveVAE" in code
    for long, short in (("epochs=10", "epochs=1"), ("epochs=12", "epochs=1"), ("epoch_size=4000", "epoch_size=256"), ("num_samples=100", "num_samples=4")):
        assert long in code
        code = code.replace(long, short)
    monkeypatch.chdir(tmp_path)  # the example saves files in the working directory
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert set(namespace["parts"]) == {"reconstruction", "background", "foreground", "background_layer"}
    assert (tmp_path / "vae.keras").exists() and (tmp_path / "vae_savedmodel").is_dir()


def test_readme_config_example_parses(tmp_path):
    from tfvae.cli import config
    from tfvae.cli.main import build_parser

    text = (ROOT / "README.md").read_text()
    (block,) = re.findall(r"```yaml\n(.*?)```", text, re.S)
    path = tmp_path / "run.yaml"
    path.write_text(block)
    args = config.parse_args(build_parser(), ["train", "--config", str(path), "--epochs", "3"])
    assert (args.model, args.digits, args.salient_dim, args.background_dim) == ("cvae", (0, 1), 2, 16)
    assert (args.wasserstein_weight, args.kl_warmup_epochs, args.epochs) == (10.0, 2, 3)  # the command line wins
