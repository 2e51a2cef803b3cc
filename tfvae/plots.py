"""Matplotlib figures of a run (matplotlib is imported only when a figure is drawn)."""

import numpy as np


def _embedding_2d(embedding):
    """The first two coordinates, or the first two principal components when d > 2."""
    embedding = np.asarray(embedding)
    if embedding.shape[1] <= 2:
        return embedding if embedding.shape[1] == 2 else np.concatenate([embedding, np.zeros_like(embedding)], 1)
    from sklearn.decomposition import PCA

    return PCA(2, random_state=0).fit_transform(embedding)


def _show(ax, image):
    image = np.clip(np.asarray(image), 0, 1)
    ax.imshow(image[..., 0] if image.shape[-1] == 1 else image, cmap="gray", vmin=0, vmax=1)
    ax.axis("off")


def separation_figure(rows, embedding=None, labels=None, path=None, columns=8, title=None):
    """Draws image rows (e.g. target / reconstruction / background / foreground) and a
    2-D scatter of `embedding` coloured by `labels`.

    Args:
        rows: dict name -> array `(N, H, W, C)`; the first `columns` images of each.
            Rows named `"foreground"` are rescaled to [0, 1] for display.
        embedding: optional array `(M, d)` (projected to 2-D by PCA when d > 2).
        labels: optional int array `(M,)` colouring the scatter.
        path: optional str. Where to save the PNG.
        columns: int. Images per row.
        title: optional str.

    Returns:
        The matplotlib `Figure`.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scatter = embedding is not None
    fig = plt.figure(figsize=(columns * 1.1 + (4.5 if scatter else 0), len(rows) * 1.2 + 0.4))
    grid = fig.add_gridspec(len(rows), columns + (5 if scatter else 0))
    for r, (name, images) in enumerate(rows.items()):
        images = np.asarray(images)[:columns]
        if name == "foreground":
            span = max(float(np.abs(images).max()), 1e-6)
            images = 0.5 + 0.5 * images / span
        for c, image in enumerate(images):
            ax = fig.add_subplot(grid[r, c])
            _show(ax, image)
            if c == 0:
                ax.set_title(name, fontsize=8, loc="left")
    if scatter:
        ax = fig.add_subplot(grid[:, columns + 1 :])
        points = _embedding_2d(embedding)
        if labels is None:
            ax.scatter(points[:, 0], points[:, 1], c="k", s=4)
        else:
            labels = np.asarray(labels)
            cmap = plt.get_cmap("tab10")
            for i, value in enumerate(np.unique(labels)):
                keep = labels == value
                ax.scatter(points[keep, 0], points[keep, 1], color=cmap(i % 10), s=4, label=str(value))
            ax.legend(title="label", fontsize=7, markerscale=3, loc="best")
        ax.set_title("salient embedding", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=9)
    if path:
        fig.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(fig)
    return fig
