"""Entry point of the `tfvae` console script."""

import argparse
import glob
import os
import sys

from tfvae.cli import config, data_inspect, data_write, evaluate, export, train, tune

#: `(name, module, help)` of each top-level command; a module declares its flags in
#: `add_arguments(parser)` and does its job in `run(args)`.
COMMANDS = (
    ("train", train, "train a model on built-in offline data"),
    ("tune", tune, "search latent sizes, learning rate and a preset's weights with Keras Tuner"),
    ("evaluate", evaluate, "evaluate a trained run on its test split; write evaluation.json and figures"),
    ("export", export, "export a trained run as a TensorFlow SavedModel"),
)

#: The sub-commands of `tfvae data`.
DATA_COMMANDS = (
    ("write", data_write, "write a built-in dataset as TFRecord shards"),
    ("inspect", data_inspect, "summarize a built-in dataset or TFRecord shards"),
)


class _HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """The module docstring as written, and every flag's default in `--help` (but
    None, which means "not given": the flag's help says what happens then)."""

    def _get_help_string(self, action):
        if action.default is None:
            return action.help
        return super()._get_help_string(action)


def _add_command(commands, name, module, help):
    """Adds one leaf command with its flags, `--config` and its `run` function."""
    parser = commands.add_parser(name, help=help, description=module.__doc__, formatter_class=_HelpFormatter)
    module.add_arguments(parser)
    config.add_config_argument(parser)
    parser.add_argument("--debug", action="store_true", help="show the traceback of an unexpected error")
    parser.set_defaults(run=module.run)


def build_parser():
    """Returns the argument parser with one sub-parser per command."""
    parser = argparse.ArgumentParser(
        prog="tfvae",
        description="Variational autoencoders that separate foreground from background signal.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module, help in COMMANDS:
        _add_command(commands, name, module, help)
    data = commands.add_parser("data", help="write or inspect TFRecord shards of the built-in datasets",
                               description="Write or inspect TFRecord shards of the built-in datasets.")
    actions = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    for name, module, help in DATA_COMMANDS:
        _add_command(actions, name, module, help)
    return parser


def initialize_devices_quietly():
    """Lists TensorFlow's devices once with stderr silenced when the machine has no
    NVIDIA device: a CUDA build of TensorFlow then prints a `failed call to cuInit`
    error line that says only that there is no GPU. With a GPU, nothing is hidden."""
    import tensorflow as tf

    if glob.glob("/dev/nvidia[0-9]*") or os.environ.get("TF_CPP_MIN_LOG_LEVEL"):
        tf.config.list_physical_devices()
        return
    sys.stderr.flush()
    saved, quiet = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(quiet, 2)
        tf.config.list_physical_devices()  # TensorFlow's platforms initialize once, here
    finally:
        os.dup2(saved, 2)
        os.close(saved), os.close(quiet)


def main(argv=None):
    """Parses `argv` and runs the chosen command; returns the exit status.

    A user error stops with one line (`SystemExit`); any other error too, naming
    its type, unless `--debug` asks for the traceback.
    """
    parser = build_parser()
    args = config.parse_args(parser, argv)
    if args.command is None:
        parser.print_help()
        return 2
    initialize_devices_quietly()
    try:
        args.run(args)
    except Exception as error:
        if args.debug:
            raise
        command = " ".join(word for word in ("tfvae", args.command, getattr(args, "data_command", None)) if word)
        message = " ".join(str(error).split()) or "(no message)"
        print(f"{command}: {type(error).__name__}: {message} (--debug shows the traceback)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
