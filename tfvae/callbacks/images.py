"""Image summaries of reconstructions, prior samples, separations and latent traversals."""

import numpy as np
import tensorflow as tf

from tfvae.callbacks.grids import chunk, image_grid, to_unit
from tfvae.callbacks.summaries import ExampleSummaries
from tfvae.plots import foreground_for_display


class ImageSummaries(ExampleSummaries):
    """Every N epochs, writes image grids of a fixed batch of image examples.

    Each tag holds one grid picture:

    - `reconstruction`: the examples (top row) over their reconstructions (the
      likelihood mean at the posterior means).
    - `samples`: decoded draws from the prior (`VAE`: z ~ p(z); `ContrastiveVAE`:
      s ~ p(s) and z ~ p(z)), the same draws every time, so the grids show how the
      decoder changes.
    - `traversal`: one row per dimension of the primary latent (`VAE`: z;
      `ContrastiveVAE`: salient s), sweeping it over `traversal_range` with the other
      dimensions (and the background latent) at the posterior mean of the reference
      example.
    - `separation` (`ContrastiveVAE` only): rows target / reconstruction /
      background / foreground; the signed foreground is shown as 0.5 + 0.5 f / max|f|.

    Values are mapped from `value_range` to [0, 1] for display.

    Args:
        log_dir: str or path. The TensorBoard log directory.
        examples: array `(N, H, W, C)` with C in 1, 3 or 4 (targets for a
            `ContrastiveVAE`); all N are shown, so keep it small (e.g. 8).
        every_n_epochs: int. Write after epochs 0, N, 2N, ... and the last.
        num_samples: int. Prior samples shown, in rows of `columns`.
        columns: int. Images per row of the samples grid.
        traversal_range: (float, float). Values the traversed dimension sweeps.
        traversal_steps: int. Images per traversal row.
        reference_index: int. The example whose posterior mean anchors the traversal.
        value_range: optional (low, high) of the data; default
            (min(0, examples.min()), max(1, examples.max())).
        seed: int. Seed of the prior draws.
        subdir: str. Run folder under `log_dir`.

    Raises:
        ValueError: `examples` are not a batch of images `(N, H, W, C)`.
    """

    def __init__(
        self,
        log_dir,
        examples,
        every_n_epochs=1,
        *,
        num_samples=16,
        columns=8,
        traversal_range=(-2.0, 2.0),
        traversal_steps=7,
        reference_index=0,
        value_range=None,
        seed=0,
        subdir="images",
    ):
        super().__init__(log_dir, subdir, examples, every_n_epochs)
        if self.examples.ndim != 4 or self.examples.shape[-1] not in (1, 3, 4):
            raise ValueError(
                "ImageSummaries needs image examples (N, H, W, C) with C in 1, 3 or 4, "
                f"got shape {self.examples.shape}; use LatentHistograms for other data."
            )
        if not 0 <= int(reference_index) < len(self.examples):
            raise ValueError(f"reference_index {reference_index} is outside the {len(self.examples)} examples.")
        self.num_samples, self.columns = int(num_samples), int(columns)
        self.traversal_values = np.linspace(*traversal_range, int(traversal_steps)).astype("float32")  # (T,)
        self.reference_index = int(reference_index)
        if value_range is None:
            value_range = (min(0.0, float(self.examples.min())), max(1.0, float(self.examples.max())))
        self.value_range = tuple(float(v) for v in value_range)
        self.seed = int(seed)

    def write_summaries(self, epoch):
        view, x = self._view, self.examples
        means = {g: m for g, (m, _) in view.posterior_moments(x).items()}  # group -> (N, k_g)
        show = lambda images: to_unit(images, self.value_range)
        tf.summary.image("reconstruction", image_grid([show(x), show(view.decode(means))]))
        samples = show(view.decode(view.prior_draws(self.num_samples, self.seed)))
        tf.summary.image("samples", image_grid(chunk(samples, self.columns)))
        tf.summary.image("traversal", image_grid([show(row) for row in self._traversal(view, means)]))
        parts = view.separate(x)
        if parts is not None:
            rows = [show(x), show(parts["reconstruction"]), show(parts["background"])]
            rows.append(foreground_for_display(parts["foreground"]))
            tf.summary.image("separation", image_grid(rows))

    def _traversal(self, view, means):
        """Decoded sweeps of each primary dimension, a list of `(T, *input_shape)` rows."""
        steps = len(self.traversal_values)
        reference = {g: np.repeat(m[self.reference_index : self.reference_index + 1], steps, 0) for g, m in means.items()}
        rows = []
        for d in range(reference[view.primary].shape[1]):
            latents = dict(reference)
            latents[view.primary] = reference[view.primary].copy()
            latents[view.primary][:, d] = self.traversal_values  # (T, k_p)
            rows.append(view.decode(latents))
        return rows
