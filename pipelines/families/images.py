"""The images family: foregrounds over texture crops, every choice drawn from a seed.

A drawn setting picks a foreground source (MNIST digits, scikit-learn's 8x8
digits, procedurally drawn shapes, or objects cut from scikit-image photos),
2 to 5 of its classes, a grey `skimage.data` texture, a blend (additive,
alpha occlusion, or a multiplicative shadow), the image side, the foreground's
size and position jitter, and the set sizes. The data are composed with
`pipelines.foreground_on_background` over the texture regions of
`pipelines.mnist_on_grass.SPLIT_REGIONS`: train and test, and targets and
background-only examples, never share a texture pixel, and train and test never
share a foreground instance. Everything ships in installed packages (offline).
"""

import dataclasses

import numpy as np

from pipelines.contrastive_data import ContrastiveData
from pipelines.families import DrawnSetting
from pipelines.foreground import foreground_on_background
from pipelines.mnist_on_grass import SPLIT_REGIONS, TILE
from pipelines.offline import digits_8x8, mnist_subset

SOURCES = ("mnist", "digits_8x8", "shapes", "objects")
#: Mid-grey `skimage.data` images that load offline. Left out: hubble_deep_field
#: (dark: a multiplicative shadow is invisible on it), camera, cell and clock (one
#: object in a flat field: the checkerboard's two colours would see different
#: statistics), coins and the object photos below.
BACKGROUNDS = ("grass", "gravel", "brick", "moon", "text", "page", "immunohistochemistry")
BLENDS = ("additive", "alpha", "multiplicative")
SHAPES = ("circle", "square", "triangle", "cross", "ring", "bar", "diamond", "frame")
#: Object name: (`skimage.data` image, pixel box `(top, bottom, left, right)` around it).
OBJECTS = {
    "cat": ("chelsea", (0, 300, 80, 380)),
    "face": ("astronaut", (15, 200, 135, 315)),
    "cup": ("coffee", (10, 300, 150, 440)),
    "rocket": ("rocket", (122, 400, 300, 346)),
    "coin": ("coins", (8, 72, 301, 365)),
    "horse": ("horse", (0, 328, 0, 400)),
}
TEST_SIZE = 500  # test targets and test backgrounds
POOL = 4000  # at most this many distinct shape or object instances per split
CHUNK = 2048  # targets composed at a time, to bound memory


def draw(seed):
    """The images setting drawn from `seed`.

    Args:
        seed: int. Seeds `numpy.random.default_rng`, the only source of choices.

    Returns:
        `pipelines.families.DrawnSetting` with family `"images"`: float32 images
        `(N, H, W, 1)` in [0, 1], int64 labels 0..K-1, and the test targets' true
        background crop under `"background"`.
    """
    params = _draw_params(seed)
    train, test = make(params)
    background_dim = 16 if params["image_side"] >= 16 else 8
    return DrawnSetting("images", int(seed), params, train, test, None, 2, background_dim)


def make(params):
    """Builds a setting's data from its drawn parameters (see `_draw_params`).

    Args:
        params: dict. The keys `_draw_params` returns; the set sizes may be edited
            (e.g. made small for a test).

    Returns:
        `(train, test)`: `ContrastiveData`. `train.target` has `"x"` `(N, H, W, 1)`
        and `"label"`, `train.background` `"x"`; `test.target` also has
        `"background"`, the exact texture crop under each target.

    Raises:
        ValueError: fewer targets than classes, or a texture too small for the side.
    """
    texture = _texture(params)  # (H', W')
    blend = _blend(params["blend"], params["blend_params"])
    sizes = {"train": ("num_train_targets", "num_train_backgrounds"), "test": ("num_test_targets", "num_test_backgrounds")}
    out = {}
    for split, (targets, backgrounds) in sizes.items():
        out[split] = _compose(params, split, texture, blend, params[targets], params[backgrounds])
    return out["train"], out["test"]


def _draw_params(seed):
    """Every choice of a setting, drawn from `numpy.random.default_rng(seed)`.

    Returns:
        dict of JSON-serializable values: `source`, `num_classes`, `classes`,
        `background`, `texture_zoom`, `blend`, `blend_params`, `image_side`,
        `foreground_fraction`, `jitter`, the four set sizes, `background_ratio`
        and `data_seed` (the seed of crops, instances and placements).
    """
    rng = np.random.default_rng(seed)
    source = str(rng.choice(SOURCES))
    num_classes = int(rng.integers(2, 6))
    names = _class_names(source)
    classes = [names[i] for i in sorted(rng.choice(len(names), num_classes, replace=False))]
    background = str(rng.choice(BACKGROUNDS))
    side = 4 * int(rng.integers(2, 17))  # 8..64
    blend = str(rng.choice(BLENDS))
    if blend == "additive":
        blend_params = {"scale": round(float(rng.uniform(0.25, 0.6)), 4)}
    elif blend == "alpha":
        blend_params = {"opacity": round(float(rng.uniform(0.6, 1.0)), 4), "color": float(rng.choice([0.0, 1.0]))}
    else:
        blend_params = {"strength": round(float(rng.uniform(0.5, 0.9)), 4)}
    zoom = float(np.exp(rng.uniform(np.log(0.5), np.log(2.0))))
    num_train = int(round(np.exp(rng.uniform(np.log(300), np.log(20000)))))
    ratio = round(float(rng.uniform(0.5, 2.0)), 4)
    return {
        "source": source,
        "num_classes": num_classes,
        "classes": classes,
        "background": background,
        "texture_zoom": _smallest_zoom(background, side, zoom),
        "blend": blend,
        "blend_params": blend_params,
        "image_side": side,
        "foreground_fraction": round(float(rng.uniform(0.5, 0.9)), 4),
        "jitter": round(float(rng.uniform(0.0, 0.25)), 4),
        "num_train_targets": num_train,
        "background_ratio": ratio,
        "num_train_backgrounds": max(1, int(round(num_train * ratio))),
        "num_test_targets": TEST_SIZE,
        "num_test_backgrounds": TEST_SIZE,
        "data_seed": int(rng.integers(2**31)),
    }


def _class_names(source):
    """The classes a source offers: digits as ints, shapes and objects by name."""
    return {"shapes": list(SHAPES), "objects": list(OBJECTS)}.get(source, list(range(10)))


def _smallest_zoom(background, side, zoom):
    """`zoom` rounded up to 4 decimals, raised so each checkerboard tile of the
    zoomed texture spans at least `2 * side + 2` pixels (enough crop positions)."""
    rows, cols = _grey(background).shape
    needed = (2 * side + 2) / (TILE * min(rows, cols))
    return float(np.ceil(max(zoom, needed) * 1e4) / 1e4)


def _grey(name):
    """`skimage.data.<name>()` as float64 grey in [0, 1] `(H, W)`."""
    from skimage import color, data

    image = getattr(data, name)()
    if image.dtype == bool:
        return image.astype(np.float64)
    return color.rgb2gray(image[..., :3]) if image.ndim == 3 else image / 255.0


def _texture(params):
    """The background texture, grey and zoomed by `params["texture_zoom"]`, `(H', W')` in [0, 1]."""
    from skimage.transform import rescale

    texture, zoom = _grey(params["background"]), params["texture_zoom"]
    if zoom != 1.0:
        texture = rescale(texture, zoom, order=1, anti_aliasing=zoom < 1.0)
    return np.clip(texture, 0.0, 1.0)


@dataclasses.dataclass(frozen=True)
class _ShadowBlend:
    """`target = background * (1 - strength * foreground)`: a shadow or stain.

    Args:
        strength: float in (0, 1]. How dark a full-intensity foreground makes it.
    """

    strength: float

    def __call__(self, foreground, background):
        return background * (1.0 - self.strength * foreground)


def _blend(name, blend_params):
    """The blend object of a drawn blend name and its parameters."""
    from pipelines.blending import AdditiveBlend, AlphaBlend

    blends = {"additive": AdditiveBlend, "alpha": AlphaBlend, "multiplicative": _ShadowBlend}
    return blends[name](**blend_params)


def _compose(params, split, texture, blend, num_targets, num_backgrounds):
    """A split's `ContrastiveData`, composed `CHUNK` targets at a time; only the test
    split keeps the true crops under the targets."""
    side = params["image_side"]
    pool, index, labels, offsets = _plan(params, split, num_targets)
    x = np.empty((num_targets, side, side, 1), np.float32)
    crops = np.empty_like(x) if split == "test" else None
    background = np.empty((num_backgrounds, side, side, 1), np.float32)
    chunks = max(1, min(num_targets, num_backgrounds, -(-max(num_targets, num_backgrounds) // CHUNK)))
    target_region, background_region = SPLIT_REGIONS[split]
    parts = zip(np.array_split(np.arange(num_targets), chunks), np.array_split(np.arange(num_backgrounds), chunks))
    for chunk, (t, b) in enumerate(parts):
        placed = _place(pool[index[t]], offsets[t], side)  # (n, side, side)
        seed = _seed(params, split, 2, chunk)
        data = foreground_on_background(placed, labels[t], texture, num_background=len(b), blend=blend,
                                        target_region=target_region, background_region=background_region, seed=seed)
        x[t], background[b] = data.target["x"], data.background["x"]
        if crops is not None:
            crops[t] = data.target["background"]
    target = {"x": x, "label": labels} if crops is None else {"x": x, "label": labels, "background": crops}
    return ContrastiveData(target=target, background={"x": background})


def _seed(params, split, purpose, *more):
    """An int seed of its own per split and purpose (0 instances, 1 plan, 2 crops)."""
    entropy = [params["data_seed"], ("train", "test").index(split), purpose, *more]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


def _plan(params, split, num):
    """Which foreground goes where: the split's instance pool and each target's pick.

    Returns:
        `(pool, index, labels, offsets)`: float32 `(P, s, s)` foregrounds in [0, 1]
        (s the foreground side), int `(num,)` pool indices, int64 `(num,)` labels
        (all K classes when `num >= K`, balanced), int `(num, 2)` pixel offsets.

    Raises:
        ValueError: `num` below the number of classes.
    """
    k = params["num_classes"]
    if num < k:
        raise ValueError(f"{split} needs at least {k} targets (one per class), got {num}.")
    size = max(2, int(round(params["foreground_fraction"] * params["image_side"])))
    pool, pool_labels = _pool(params, split, size, min(num, POOL))
    rng = np.random.default_rng(_seed(params, split, 1))
    labels = rng.permutation(np.arange(num) % k).astype(np.int64)  # (num,)
    index = np.empty(num, np.int64)
    for label in range(k):
        members = rng.permutation(np.flatnonzero(pool_labels == label))
        index[labels == label] = np.resize(members, int((labels == label).sum()))  # cycles when too few
    reach = params["jitter"] * params["image_side"]
    offsets = np.rint(rng.uniform(-reach, reach, (num, 2))).astype(np.int64)  # (num, 2)
    return pool, index, labels, offsets


def _pool(params, split, size, num):
    """The split's foreground instances `(P, size, size)` and their labels `(P,)`.

    Digits are the split's own digits of the chosen classes (`pipelines.offline`
    keeps train and test apart); shapes and objects draw `num` fresh instances
    from a stream of the split's own.
    """
    source, classes = params["source"], params["classes"]
    if source in ("mnist", "digits_8x8"):
        images, digits = (mnist_subset if source == "mnist" else digits_8x8)(split)
        keep = np.isin(digits, classes)
        labels = np.searchsorted(classes, digits[keep])  # digit -> 0..K-1
        return _resize(images[keep, ..., 0], size), labels
    rng = np.random.default_rng(_seed(params, split, 0))
    labels = rng.permutation(np.arange(num) % len(classes))  # (P,)
    geometry = _geometry(rng, num, source)
    if source == "shapes":
        return _shapes([classes[i] for i in labels], geometry, size), labels
    patches = np.stack([_object_patch(name, size) for name in classes])  # (K, s, s)
    return _objects(patches[labels], geometry), labels


def _resize(images, size):
    """float32 `(N, size, size)` in [0, 1] from `(N, h, w)`, bilinear, anti-aliased when shrinking."""
    from skimage.transform import resize

    shrink = size < images.shape[1]
    return np.clip(resize(images, (len(images), size, size), order=1, anti_aliasing=shrink), 0, 1).astype(np.float32)


def _geometry(rng, num, source):
    """Per-instance variation: scale, rotation (radians), flip, shift (of the side),
    brightness and shape thickness; shapes vary more in size, objects in position."""
    scale = (0.6, 1.0) if source == "shapes" else (0.8, 1.0)
    angle = np.deg2rad(20.0 if source == "shapes" else 10.0)
    return {
        "scale": rng.uniform(*scale, num),
        "angle": rng.uniform(-angle, angle, num),
        "flip": rng.random(num) < 0.5,
        "shift": rng.uniform(-0.1, 0.1, (num, 2)) * (source == "objects"),
        "brightness": rng.uniform(0.7, 1.0, num),
        "thickness": rng.uniform(0.1, 0.25, num),
    }


def _coords(geometry, size, rows):
    """Source coordinates of each output pixel, in units of half the side (the patch
    spans [-1, 1]); returns `(a, b)`, row and column, float `(n, size, size)` each."""
    centre = (size - 1) / 2.0
    grid = (np.arange(size) - centre) / (size / 2.0)  # (size,)
    scale, angle = geometry["scale"][rows, None, None], geometry["angle"][rows, None, None]
    u = grid[None, :, None] - 2.0 * geometry["shift"][rows, 0, None, None]  # (n, size, 1)
    v = grid[None, None, :] - 2.0 * geometry["shift"][rows, 1, None, None]  # (n, 1, size)
    a = (np.cos(angle) * u + np.sin(angle) * v) / scale  # (n, size, size)
    b = (-np.sin(angle) * u + np.cos(angle) * v) / scale
    return a, np.where(geometry["flip"][rows, None, None], -b, b)


def _shapes(names, geometry, size):
    """Filled shapes `(P, size, size)` in [0, 1], anti-aliased from signed distances."""
    out = np.empty((len(names), size, size), np.float32)
    names = np.array(names)
    for start in range(0, len(names), 512):
        rows = np.arange(start, min(start + 512, len(names)))
        a, b = _coords(geometry, size, rows)
        t = geometry["thickness"][rows, None, None]
        distance = np.zeros_like(a)
        for name in set(names[rows]):
            picked = names[rows] == name
            distance[picked] = _distance(name, a[picked], b[picked], t[picked])
        pixels = distance * geometry["scale"][rows, None, None] * size / 2.0  # in output pixels
        out[rows] = np.clip(0.5 - pixels, 0, 1) * geometry["brightness"][rows, None, None]
    return out


def _distance(name, a, b, t):
    """Signed distance (negative inside) to shape `name` at rows `a`, columns `b`
    in [-1, 1] units; `t` is the half-thickness of rings, bars, crosses and frames."""
    r, ka, kb = np.hypot(a, b), np.abs(a), np.abs(b)
    if name == "circle":
        return r - 0.9
    if name == "square":
        return np.maximum(ka, kb) - 0.75
    if name == "diamond":
        return (ka + kb - 0.95) / np.sqrt(2.0)
    if name == "triangle":  # apex up at a = -0.85, base at a = 0.75, half-width 0.9
        side = (kb - 0.9 * (a + 0.85) / 1.6) / np.hypot(1.0, 0.9 / 1.6)
        return np.maximum(a - 0.75, side)
    if name == "cross":
        return np.minimum(np.maximum(ka - 0.9, kb - t), np.maximum(kb - 0.9, ka - t))
    if name == "ring":
        return np.abs(r - (0.9 - t)) - t
    if name == "bar":
        return np.maximum(kb - 0.9, ka - t)
    return np.abs(np.maximum(ka, kb) - (0.75 - t)) - t  # frame


def _object_patch(name, size):
    """The object `name` as a grey foreground `(size, size)` in [0, 1]: its photo crop
    under a soft elliptical mask (the horse: its silhouette), padded square."""
    from skimage import data

    image_name, (top, bottom, left, right) = OBJECTS[name]
    if image_name == "horse":
        patch = 1.0 - data.horse()[top:bottom, left:right].astype(np.float64)  # the horse is black (False)
    else:
        patch = _grey(image_name)[top:bottom, left:right]
        a = np.linspace(-1, 1, patch.shape[0])[:, None]
        b = np.linspace(-1, 1, patch.shape[1])[None, :]
        patch = patch * np.clip((1.0 - np.hypot(a, b)) / 0.15, 0, 1)  # fades to 0 at the ellipse's edge
    rows, cols = patch.shape
    pad = abs(rows - cols)
    patch = np.pad(patch, ((0, 0), (pad // 2, pad - pad // 2)) if rows > cols else ((pad // 2, pad - pad // 2), (0, 0)))
    return _resize(patch[None], size)[0]


def _objects(patches, geometry):
    """Each patch `(P, s, s)` warped by its instance geometry and scaled by its
    brightness, bilinear with zeros outside; float32 `(P, s, s)`."""
    size = patches.shape[1]
    out = np.empty(patches.shape, np.float32)
    padded = np.pad(patches, ((0, 0), (1, 1), (1, 1)))  # zero border, (P, s + 2, s + 2)
    for start in range(0, len(patches), 512):
        rows = np.arange(start, min(start + 512, len(patches)))
        a, b = _coords(geometry, size, rows)
        r = np.clip(a * size / 2.0 + (size - 1) / 2.0 + 1.0, 0, size + 1)  # padded pixel coordinates
        c = np.clip(b * size / 2.0 + (size - 1) / 2.0 + 1.0, 0, size + 1)
        r0, c0 = np.minimum(np.floor(r).astype(int), size), np.minimum(np.floor(c).astype(int), size)
        fr, fc = r - r0, c - c0
        at = lambda i, j: padded[rows[:, None, None], i, j]  # (n, s, s)
        top = (1 - fc) * at(r0, c0) + fc * at(r0, c0 + 1)
        bottom = (1 - fc) * at(r0 + 1, c0) + fc * at(r0 + 1, c0 + 1)
        value = (1 - fr) * top + fr * bottom  # (n, s, s)
        out[rows] = np.clip(value * geometry["brightness"][rows, None, None], 0, 1)
    return out


def _place(foregrounds, offsets, side):
    """Foregrounds `(n, s, s)` centred on `(n, side, side)` canvases, moved by `offsets`
    pixels `(n, 2)`; parts pushed past the edge are cut off."""
    num, size = foregrounds.shape[:2]
    pad = int(np.abs(offsets).max(initial=0))
    canvas = np.zeros((num, side + 2 * pad, side + 2 * pad), np.float32)
    corners = pad + (side - size) // 2 + offsets  # (n, 2)
    for i, (row, col) in enumerate(corners):
        canvas[i, row : row + size, col : col + size] = foregrounds[i]
    return canvas[:, pad : pad + side, pad : pad + side]  # (n, side, side)
