"""Entry point of the `tfvae` console script."""

import argparse
import sys

from tfvae.cli import train, tune


def build_parser():
    """Returns the argument parser with one sub-parser per command."""
    parser = argparse.ArgumentParser(
        prog="tfvae",
        description="Variational autoencoders that separate foreground from background signal.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    train_parser = commands.add_parser("train", help="train a model on built-in offline data")
    train.add_arguments(train_parser)
    train_parser.set_defaults(run=train.run)
    tune_parser = commands.add_parser("tune", help="search latent sizes and learning rate with Keras Tuner")
    tune.add_arguments(tune_parser)
    tune_parser.set_defaults(run=tune.run)
    return parser


def main(argv=None):
    """Parses `argv` and runs the chosen command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    args.run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
