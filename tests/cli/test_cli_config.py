"""`--config FILE.yaml`: flags from YAML, overridden by the command line, checked against
each command's own declarations, and a one-line error for every kind of bad file."""

import argparse

import pytest

from tfvae.cli import config, run_folder
from tfvae.cli.main import build_parser, main

#: Every leaf command, with the positional arguments it needs.
COMMANDS = [["train"], ["tune"], ["evaluate", "RUN"], ["export", "RUN"], ["data", "write", "digits_8x8"],
            ["data", "inspect", "digits_8x8"]]


def parse(tmp_path, text, command, *flags):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return config.parse_args(build_parser(), [*command, "--config", str(path), *flags])


def test_yaml_sets_flags_in_either_spelling(tmp_path):
    args = parse(tmp_path, "model: vae\nlatent-dim: 3\nsummary_every: 2\ndigits: all\nbatch-size: 2\n"
                           "learning_rate: 1.0e-4\nresume: true\nmodel_config: null\n", ["train"])
    assert (args.model, args.latent_dim, args.summary_every, args.digits) == ("vae", 3, 2, None)
    assert (args.batch_size, args.learning_rate, args.resume, args.model_config) == (2, 1e-4, True, None)
    assert args.epochs == 12  # not in the file: the default


def test_command_line_overrides_yaml(tmp_path):
    args = parse(tmp_path, "epochs: 3\ndigits: 0,1,2\nmodel: vae\n", ["train"], "--epochs", "5", "--digits", "7,8")
    assert (args.epochs, args.digits, args.model) == (5, (7, 8), "vae")


def test_repeatable_flags_take_lists_and_the_command_line_adds_to_them(tmp_path):
    args = parse(tmp_path, "space: [latent_dim=2:4, beta=1]\noverwrite: true\n", ["tune"], "--space", "beta=2")
    assert args.space == [("latent_dim", (2, 4)), ("beta", 1), ("beta", 2)] and args.overwrite
    assert dict(args.space)["beta"] == 2  # the command line's item wins


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_reads_a_config(tmp_path, command):
    args = parse(tmp_path, "seed: 4\n" if command != ["export", "RUN"] else "out: somewhere\n", command)
    assert (args.out == "somewhere") if command == ["export", "RUN"] else (args.seed == 4)
    with pytest.raises(SystemExit, match=f"^tfvae {' '.join(command[:2 if command[0] == 'data' else 1])}: .*unknown key 'nope'"):
        parse(tmp_path, "nope: 1\n", command)


@pytest.mark.parametrize(
    "text, message",
    [
        ("epoch: 3\n", r"unknown key 'epoch' \(did you mean 'epochs'\?\); valid keys: background, background-dim, .*, epochs, .*verbose\.$"),
        ("epochs: two\n", r"key 'epochs' expects positive int, got 'two'\.$"),
        ("epochs: 2.5\n", r"key 'epochs' expects positive int, got 2\.5\.$"),
        ("learning-rate: [1, 2]\n", r"key 'learning-rate' expects float, got \[1, 2\]\.$"),
        ("learning_rate: {a: 1}\n", r"key 'learning-rate' expects float, got \{'a': 1\}\.$"),
        ("digits: a,b\n", r"key 'digits': expected digit classes 0\.\.9 as D,D,\.\.\. or 'all', got 'a,b'\.$"),
        ("out: false\n", r"key 'out' expects str, got False\.$"),
        ("model: gan\n", r"key 'model' must be one of cvae, vae; got 'gan'\.$"),
        ("strategy: 3\n", r"key 'strategy' must be one of auto, none, mirrored, multiworker; got 3\.$"),
        ("resume: 1\n", r"key 'resume' expects true or false, got 1\.$"),
        ("- epochs\n- 3\n", r"expected a mapping of flag names to values, got a list\.$"),
        ("epochs: 3\n epochs: [\n", r"not valid YAML: .*line 2"),
        ("epochs: 3\nepochs_size: 3\nepoch-size: 4\nepoch_size: 5\n", r"unknown key 'epochs_size'"),
        ("epoch_size: 4\nepoch-size: 5\n", r"key 'epoch-size' is given twice"),
        ("config: other.yaml\n", r"unknown key 'config'"),
    ],
)
def test_bad_configs_stop_with_one_line(tmp_path, text, message):
    with pytest.raises(SystemExit) as error:
        parse(tmp_path, text, ["train"])
    assert "\n" not in str(error.value.code)
    assert str(error.value.code).startswith(f"tfvae train: config {tmp_path / 'config.yaml'}: ")
    assert error.match(message)


def test_space_items_explain_their_format(tmp_path):
    with pytest.raises(SystemExit, match=r"^tfvae tune: .*key 'space': expected NAME=SPEC \(e\.g\. latent_dim=2:16\), got 'bad'\.$"):
        parse(tmp_path, "space: [bad]\n", ["tune"])


def test_a_missing_config_file_is_named(tmp_path):
    with pytest.raises(SystemExit, match=r"^tfvae train: config file '.*missing\.yaml' not found\.$"):
        config.parse_args(build_parser(), ["train", "--config", str(tmp_path / "missing.yaml")])


def test_an_empty_config_sets_nothing(tmp_path):
    assert vars(parse(tmp_path, "", ["train"])) == {**vars(config.parse_args(build_parser(), ["train"])), "config": str(tmp_path / "config.yaml")}


def test_recorded_flags_load_back_as_parsed(tmp_path):
    args = config.parse_args(build_parser(), ["train", "--salient-dim", "4", "--digits", "0,1", "--resume"])
    run_folder.save_flags(args, tmp_path)
    loaded = run_folder.load_flags(tmp_path, "tfvae test")
    assert vars(loaded) == {k: v for k, v in vars(args).items() if k not in ("run", "resume")}


def test_resume_reads_its_folder_from_the_config(tmp_path):
    (tmp_path / "config.yaml").write_text(f"out: {tmp_path / 'nothing'}\nresume: true\n")
    with pytest.raises(SystemExit, match="tfvae train --resume: .*nothing' is not a run folder: it has no args.json"):
        main(["train", "--config", str(tmp_path / "config.yaml")])


def test_on_off_flags_of_any_kind(tmp_path):
    parser = argparse.ArgumentParser(prog="tool")
    parser.add_argument("--quiet", action="store_false", dest="loud")
    parser.add_argument("--color", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1])
    config.add_config_argument(parser)
    (tmp_path / "c.yaml").write_text("quiet: true\ncolor: false\nsizes: [2, 3]\n")
    args = config.parse_args(parser, ["--config", str(tmp_path / "c.yaml")])
    assert (args.loud, args.color, args.sizes) == (False, False, [2, 3])
