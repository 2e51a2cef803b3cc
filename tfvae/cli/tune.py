"""`tfvae tune`: hyperparameter search with Keras Tuner (see `tuning.cli`)."""

from tfvae.cli import data


def add_arguments(parser):
    """Declares the flags of `tfvae tune`."""
    from tuning import cli

    cli.add_arguments(parser)


def run(args):
    """Runs the search on the offline dataset the flags name."""
    from tuning import cli

    return cli.run(args, load=data.load)
