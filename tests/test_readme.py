"""The README's Python examples run as written (with fewer steps)."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_readme_examples_run(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text()
    code = "\n".join(re.findall(r"```python\n(.*?)```", text, re.S))
    assert "tfvae.VAE" in code and "tfvae.ContrastiveVAE((28, 28, 1), salient_dim=2, background_dim=16)" in code
    for long, short in (("epochs=10", "epochs=1"), ("steps_per_epoch=100, epochs=12", "steps_per_epoch=2, epochs=1"),
                        ("num_samples=100", "num_samples=4")):
        assert long in code
        code = code.replace(long, short)
    monkeypatch.chdir(tmp_path)  # the example saves files in the working directory
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert set(namespace["parts"]) == {"reconstruction", "background", "foreground", "background_layer"}
    assert namespace["model"].regularizers[0].term == "invariance"  # the defaults: the recommended recipe
    assert {"salient_auc", "background_auc", "salient_units"} <= set(namespace["model"].diagnose(
        namespace["test"].target["x"][:50], namespace["test"].background["x"][:50]))
    assert [r.term for r in namespace["custom"].regularizers] == ["wasserstein", "mmd_salient"]
    assert (tmp_path / "vae.keras").exists() and (tmp_path / "vae_savedmodel").is_dir()


def test_readme_model_config_example_builds(tmp_path):
    from tfvae.cli import model_config

    text = (ROOT / "README.md").read_text()
    (block,) = re.findall(r"```yaml\n(.*?)```", text, re.S)
    path = tmp_path / "model.yaml"
    path.write_text(block)
    arguments = model_config.read(str(path), "test")
    assert arguments["decoder"] == "joint" and arguments["regularizers"][0].weight.final == 5.0
    import tfvae

    model = tfvae.ContrastiveVAE((28, 28, 1), 2, 16, **arguments)
    assert [r.term for r in model.regularizers] == ["tc"]


def test_readme_command_lines_name_real_commands_and_flags():
    import shlex

    from tfvae.cli.main import build_parser

    text = (ROOT / "README.md").read_text()
    blocks = "\n".join(re.findall(r"```(?:text|bash)\n(.*?)```", text, re.S))
    lines = [line.split("#")[0].split("&&")[-1].strip() for line in blocks.splitlines()]
    commands = [shlex.split(line)[1:] for line in lines if re.match(r"(\.venv/bin/)?tfvae( |$)", line)]
    assert len(commands) >= 12 and ["train", "--target", "photos/", "--background", "backgrounds/", "--out",
                                    "runs/photos"] in commands
    for argv in commands:
        build_parser().parse_args(argv or [])  # an unknown command or flag exits
    assert "`.venv/bin/tensorboard --logdir runs`" in text  # works without activating the venv
