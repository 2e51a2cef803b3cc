"""What a residual texture (`--residual-components K`) does to a trained ContrastiveVAE's background.

For each run folder (a `tfvae train` ContrastiveVAE run on mnist_on_grass) and each
K, copies the model with a K-component `tfvae.networks.ResidualTexture`, fits it to
the background examples `tfvae train --residual-components K` fits to
(`tfvae.cli.train.texture_examples`) and prints the test background MSE (all
pixels, under the digit, elsewhere), the MSE on grass alone and the foreground
correlation. K = 0 is the model as trained. The texture is fitted after training
and changes neither the embeddings nor the foreground.

    python benchmarks/residual_texture.py --components 0 16 64 RUN [RUN ...]
"""

import argparse
import os

import keras
from background_error import model_background_errors  # benchmarks/, run as a script

from tfvae.cli import data as cli_data
from tfvae.cli import run_folder
from tfvae.cli import train as cli_train


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", help="run folders of ContrastiveVAE runs (tfvae train)")
    parser.add_argument("--components", type=int, nargs="+", default=[0, 16, 64])
    args = parser.parse_args()
    print("| run | K | background MSE | under the digit | elsewhere | grass alone | foreground corr. |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for folder in args.runs:
        flags = run_folder.load_flags(folder, "residual_texture")
        trained = keras.saving.load_model(os.path.join(folder, run_folder.MODEL_FILE))
        train, test = cli_data.load(flags.dataset, flags.digits, flags.seed)
        examples = None
        for k in args.components:
            model = trained
            if k:
                examples = cli_train.texture_examples(flags, train) if examples is None else examples
                model = trained.with_residual_texture(k)
                model.fit_residual_texture(examples, seed=flags.seed)
            total, under, elsewhere, _, alone, corr = model_background_errors(model, test)
            scores = (total, under, elsewhere, alone, corr)
            print(f"| {folder} | {k} | " + " | ".join(f"{v:.4f}" for v in scores) + " |", flush=True)


if __name__ == "__main__":
    main()
