"""A folder of image files -> `tf.data.Dataset` of `{"x": uint8 image, "label": class}`.

Layout: `root/<class_name>/*.png` (labels are the sorted class folder names' indices)
or `root/*.png` (no labels). Decoding happens inside the graph, in parallel, so
folders larger than memory stream from disk; only the file list is held in memory.

A file that is not an image, or a PNG or JPEG cut short (its end marker missing),
stops the stream with an error naming the file, when the stream reaches it; the
checks look at bytes already read, so nothing is read or decoded twice. (Damage
inside a complete file surfaces as TensorFlow's own decoding error.)
"""

import os

import numpy as np
import tensorflow as tf

EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
CHANNELS = {"grayscale": 1, "rgb": 3}
# First bytes of the formats `tf.io.decode_image` reads, and the end marker that a
# complete file of the format holds (PNG's IEND chunk, JPEG's end-of-image marker).
SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM", b"RIFF", b"\xff\x0a",
              b"\x00\x00\x00\x0cJXL ")
END_MARKERS = {b"\x89PNG\r\n\x1a\n": b"IEND", b"\xff\xd8\xff": b"\xff\xd9"}


def list_image_files(directory):
    """Returns `(paths, labels, class_names)`; labels is None for a flat folder.

    Raises:
        FileNotFoundError: `directory` does not exist.
        ValueError: it holds no image files.
    """
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"image folder {directory!r} does not exist.")
    class_names = sorted(d for d in os.listdir(directory) if os.path.isdir(os.path.join(directory, d)))
    folders = [os.path.join(directory, c) for c in class_names] or [directory]
    paths, labels = [], []
    for label, folder in enumerate(folders):
        files = sorted(f for f in os.listdir(folder) if f.lower().endswith(EXTENSIONS))
        paths += [os.path.join(folder, f) for f in files]
        labels += [label] * len(files)
    if not paths:
        raise ValueError(f"image folder {directory!r} holds no {'/'.join(EXTENSIONS)} files.")
    return paths, (np.asarray(labels, "int64") if class_names else None), class_names


def from_image_folder(directory, image_size=None, color_mode="grayscale"):
    """Streams the images under `directory` as uint8 `(H, W, C)` example dicts.

    Args:
        directory: str. See the module docstring for the layout.
        image_size: optional `(H, W)`. Resize every image (area interpolation);
            when None all images must have the size of the first one.
        color_mode: str. `"grayscale"` (C=1) or `"rgb"` (C=3).

    Returns:
        An unbatched `tf.data.Dataset` of `{"x": uint8 (H, W, C)}` (plus int64
        `"label"` with class sub-folders), in sorted file order. Scale it to [0, 1]
        with `pipelines.scale_to_unit` or `batch_pipeline`.

    Raises:
        FileNotFoundError, ValueError: missing or empty folder, unknown color mode,
            a first file that is not a readable image (named).
        tf.errors.InvalidArgumentError: while iterating, naming the file, for a file
            that is not an image or is cut short, or (without `image_size`) whose
            size differs from the first one's.
    """
    files, load = image_files(directory, image_size, color_mode)
    return files.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


def image_files(directory, image_size=None, color_mode="grayscale"):
    """The two halves of `from_image_folder`: the file paths, and their decoding.

    Filtering the paths before decoding (e.g. a held-out split) reads only the
    images kept.

    Args:
        directory, image_size, color_mode: see `from_image_folder`.

    Returns:
        `(files, load)`: a `tf.data.Dataset` of `{"x": path[, "label"]}` in sorted
        file order, and the function mapping such an element to `from_image_folder`'s.

    Raises:
        See `from_image_folder`.
    """
    if color_mode not in CHANNELS:
        raise ValueError(f"color_mode must be one of {sorted(CHANNELS)}, got {color_mode!r}.")
    channels = CHANNELS[color_mode]
    paths, labels, _ = list_image_files(directory)
    resize = image_size is not None
    if resize:
        size = image_size
    else:
        try:
            size = _decode(paths[0], channels).shape[:2]
        except tf.errors.InvalidArgumentError as error:
            raise ValueError(f"from_image_folder: {paths[0]!r} is not a readable image: "
                             f"{error.message.splitlines()[0]}") from None
    shape = (int(size[0]), int(size[1]), channels)

    def load(path):
        image = _decode(path, channels)  # (h, w, C) uint8
        if resize:
            resized = tf.image.resize(image, shape[:2], method="area")
            image = tf.cast(tf.round(resized), tf.uint8)
        else:  # name the file whose size differs, when the stream reaches it
            message = (f"from_image_folder: images must all be {shape[0]}x{shape[1]} like the first one (pass "
                       f"image_size=(H, W) to resize them); this file's height and width differ:")
            same = tf.reduce_all(tf.equal(tf.shape(image)[:2], shape[:2]))
            with tf.control_dependencies([tf.debugging.Assert(same, [message, path, tf.shape(image)[:2]])]):
                image = tf.identity(image)
        return tf.ensure_shape(image, shape)

    fields = {"x": paths} if labels is None else {"x": paths, "label": labels}
    return tf.data.Dataset.from_tensor_slices(fields), lambda e: {**e, "x": load(e["x"])}


def _decode(path, channels):
    """Decodes one image file to uint8 `(H, W, channels)`, first asserting (naming the
    file) that it starts like an image and, for PNG and JPEG, holds its end marker."""
    content = tf.io.read_file(path)
    starts = {signature: tf.strings.substr(content, 0, len(signature)) == signature for signature in SIGNATURES}
    image = tf.reduce_any(list(starts.values()))
    for signature, end in END_MARKERS.items():  # split in two pieces or more: the marker occurs
        complete = tf.size(tf.strings.split(content, end)) > 1
        image = tf.logical_and(image, tf.logical_or(tf.logical_not(starts[signature]), complete))
    message = ("from_image_folder: this file is not an image that tf.io.decode_image reads, or it is cut "
               "short (PNG, JPEG, GIF, BMP, WebP or JPEG XL expected):")
    with tf.control_dependencies([tf.debugging.Assert(image, [message, path])]):
        content = tf.identity(content)
    return tf.io.decode_image(content, channels=channels, expand_animations=False)
