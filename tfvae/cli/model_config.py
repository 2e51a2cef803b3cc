"""`--model-config FILE.yaml`: constructor arguments of a model, as YAML.

A mapping of argument names to values. Layers, regularizers and schedules are
written as Keras serializes them, `{class_name: NAME, config: {...}}`, where NAME
may be a tfvae class's short name (`TotalCorrelation`, `Ramp`, `LowRankNormal`).
A run folder's `model_config.yaml` (the model's `get_config`) is such a file.
"""

import json

import keras


def read(path, prog):
    """The constructor arguments in a YAML file, nested objects built.

    Raises:
        SystemExit: a missing file, YAML that is not a mapping, or an object that
            does not deserialize (one line).
    """
    from tfvae.cli.config import read_mapping

    mapping = read_mapping(path, prog, "model config", "constructor arguments")
    try:
        return {str(key): _objects(value) for key, value in mapping.items()}
    except (ValueError, TypeError) as error:
        raise SystemExit(f"{prog}: model config {path}: {' '.join(str(error).split())}") from None


def _objects(value):
    """`value` with every `{class_name, config}` mapping deserialized."""
    if isinstance(value, dict) and "class_name" in value:
        return keras.saving.deserialize_keras_object(value, custom_objects=_short_names())
    if isinstance(value, list):
        return [_objects(item) for item in value]
    return value


def _short_names():
    """tfvae's registered classes by their short names (`TotalCorrelation`)."""
    return {name.split(">", 1)[1]: cls for name, cls in keras.saving.get_custom_objects().items()
            if name.startswith("tfvae>")}


def check_shape(arguments, input_shape, prog):
    """Removes `input_shape` from `arguments`, which must match the data's.

    Raises:
        SystemExit: another shape.
    """
    shape = arguments.pop("input_shape", None)
    if shape is not None and tuple(shape) != tuple(input_shape):
        raise SystemExit(f"{prog}: the model config's input_shape {tuple(shape)} is not the data's {tuple(input_shape)}.")


def dump(model, path):
    """Writes `model.get_config()` as YAML (a file `read` takes back)."""
    import yaml

    config = json.loads(json.dumps(model.get_config()))  # tuples as lists
    with open(path, "w") as f:
        yaml.safe_dump(config, f, sort_keys=False)
