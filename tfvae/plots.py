"""Matplotlib figures of a run (matplotlib is imported only when a figure is drawn)."""

import numpy as np


def _embedding_2d(embedding):
    """The first two coordinates, or the first two principal components when d > 2."""
    embedding = np.asarray(embedding)
    if embedding.shape[1] <= 2:
        return embedding if embedding.shape[1] == 2 else np.concatenate([embedding, np.zeros_like(embedding)], 1)
    from sklearn.decomposition import PCA

    return PCA(2, random_state=0).fit_transform(embedding)


def foreground_for_display(images):
    """Maps signed foreground images to [0, 1] as 0.5 + 0.5 * f / max|f|, so zero
    shows as mid-grey and the strongest pixel as black or white.

    Args:
        images: array `(N, H, W, C)` of foreground values (reconstruction - background).

    Returns:
        Float array of the same shape in [0, 1].
    """
    images = np.asarray(images, dtype="float32")
    span = max(float(np.abs(images).max()), 1e-6) if images.size else 1.0
    return 0.5 + 0.5 * images / span


def _show(ax, image):
    image = np.clip(np.asarray(image), 0, 1)
    ax.imshow(image[..., 0] if image.shape[-1] == 1 else image, cmap="gray", vmin=0, vmax=1)
    ax.axis("off")


def separation_figure(rows, embedding=None, labels=None, path=None, columns=8, title=None,
                      embedding_title="salient embedding"):
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
        embedding_title: str. The scatter's title.

    Returns:
        The matplotlib `Figure`.
    """
    plt = _pyplot()
    scatter = embedding is not None
    fig = plt.figure(figsize=(columns * 1.1 + (4.5 if scatter else 0), len(rows) * 1.2 + 0.4))
    grid = fig.add_gridspec(len(rows), columns + (5 if scatter else 0))
    for r, (name, images) in enumerate(rows.items()):
        images = np.asarray(images)[:columns]
        if name == "foreground":
            images = foreground_for_display(images)
        for c, image in enumerate(images):
            ax = fig.add_subplot(grid[r, c])
            _show(ax, image)
            if c == 0:
                ax.set_title(name, fontsize=8, loc="left")
    if scatter:
        _scatter(fig.add_subplot(grid[:, columns + 1 :]), embedding, labels, embedding_title)
    return _finish(fig, title, path)


def latent_scatter(embedding, labels=None, path=None, title="latent embedding"):
    """A 2-D scatter of `embedding` coloured by `labels`.

    Args:
        embedding: array `(N, d)` (projected to 2-D by PCA when d > 2).
        labels: optional int array `(N,)`.
        path: optional str. Where to save the PNG.
        title: str.

    Returns:
        The matplotlib `Figure`.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.5, 4))
    _scatter(ax, embedding, labels, title)
    return _finish(fig, None, path)


def training_curves(history, path=None, title=None):
    """One panel per logged term, its training curve and its `val_` curve against epoch.

    Args:
        history: dict name -> sequence of per-epoch floats, e.g. `{"epoch": [0, 1],
            "loss": [...], "val_loss": [...], "kl": [...]}` (a Keras `History.history`
            or the columns of a `CSVLogger` file). `"epoch"` is the x axis when
            present.
        path: optional str. Where to save the PNG.
        title: optional str.

    Returns:
        The matplotlib `Figure`.
    """
    plt = _pyplot()
    epochs = history.get("epoch")
    terms = [name for name in history if name != "epoch" and not name.startswith("val_")]
    terms += [name[4:] for name in history if name.startswith("val_") and name[4:] not in history]
    terms.sort(key=lambda name: name != "loss")  # the loss first, the other terms as logged
    if not terms:
        raise ValueError(f"no logged terms to plot; got keys {sorted(history)}.")
    width = min(len(terms), 4)
    height = -(-len(terms) // width)
    fig, axes = plt.subplots(height, width, figsize=(3.2 * width, 2.4 * height), squeeze=False)
    for ax, term in zip(axes.ravel(), terms):
        for name, style in ((term, "-"), ("val_" + term, "--")):
            if name in history:
                values = np.asarray(history[name], "float64")
                x = np.arange(len(values)) if epochs is None else np.asarray(epochs)
                ax.plot(x, values, style, marker=".", label="validation" if name != term else "training")
        ax.set_title(term, fontsize=9)
        ax.set_xlabel("epoch", fontsize=8)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7)
    for ax in axes.ravel()[len(terms) :]:
        ax.axis("off")
    fig.tight_layout()
    return _finish(fig, title, path)


def _pyplot():
    """matplotlib.pyplot on the file-only Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _scatter(ax, embedding, labels, title):
    """Draws the 2-D embedding on `ax`, one colour per label."""
    points = _embedding_2d(embedding)
    if labels is None:
        ax.scatter(points[:, 0], points[:, 1], c="k", s=4)
    else:
        labels = np.asarray(labels)
        cmap = _pyplot().get_cmap("tab10")
        for i, value in enumerate(np.unique(labels)):
            keep = labels == value
            ax.scatter(points[keep, 0], points[keep, 1], color=cmap(i % 10), s=4, label=str(value))
        ax.legend(title="label", fontsize=7, markerscale=3, loc="best")
    ax.set_title(title, fontsize=9)


def _finish(fig, title, path):
    """Adds the title, saves to `path` (and closes) when given; returns `fig`."""
    if title:
        fig.suptitle(title, fontsize=9)
    if path:
        fig.savefig(path, dpi=110, bbox_inches="tight")
        _pyplot().close(fig)
    return fig
