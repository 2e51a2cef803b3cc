"""Search spaces: which model arguments are tuned, their default ranges, and the
checks on user overrides. Every range the tuners explore is declared here.

A contrastive VAE's space is built around a preset: besides the latent sizes,
learning rate and beta it has one `<term>_weight` per regularizer of the preset
(`invariance_weight`, `tc_weight`, `mmd_background_weight`, ...), fixed at the
preset's weight unless the user gives a range (`regularizer_parameters`).

A spec for one hyperparameter is one of:

- a number: fixed (recorded as `hp.Fixed`, so it appears in reports);
- a tuple `(low, high)`: a range, sampled as the parameter declares (log-uniform
  for the learning rate and beta, uniform otherwise);
- a dict `{"min": low, "max": high, "sampling": "linear" | "log", "step": s}`: a
  range with explicit sampling (`sampling` and `step` optional);
- a list `[a, b, ...]`: a choice among those values.
"""

import dataclasses
import math
import numbers

from tfvae import schedules

SAMPLINGS = ("linear", "log")
RANGE_KEYS = {"min", "max", "sampling", "step"}


@dataclasses.dataclass(frozen=True)
class Parameter:
    """One tunable model argument and its default spec.

    Attributes:
        kind: `int` or `float`. Type of the values.
        default: spec used when the user gives none (see the module docstring).
        minimum: float. Smallest legal value.
        strict: bool. Values must exceed `minimum` (not merely equal it).
        sampling: str. `"linear"` or `"log"`: how `(low, high)` tuples are sampled.
    """

    kind: type
    default: object
    minimum: float = 0.0
    strict: bool = False
    sampling: str = "linear"


LATENT_DIM = Parameter(int, (2, 16), minimum=1)
LEARNING_RATE = Parameter(float, (1e-4, 1e-2), minimum=0.0, strict=True, sampling="log")
BETA = Parameter(float, 1.0, minimum=0.0, sampling="log")
#: Template of a regularizer's weight; its default is the preset's weight.
REGULARIZER_WEIGHT = Parameter(float, 0.0, minimum=0.0)

VAE_PARAMETERS = {"latent_dim": LATENT_DIM, "learning_rate": LEARNING_RATE, "beta": BETA}
#: The contrastive VAE's parameters besides its regularizers' weights.
CONTRASTIVE_PARAMETERS = {
    "salient_dim": dataclasses.replace(LATENT_DIM, default=(2, 8)),
    "background_dim": LATENT_DIM,
    "learning_rate": LEARNING_RATE,
    "beta": BETA,
}


def weight_name(term):
    """The parameter that holds the weight of the regularizer logged as `term`, `<term>_weight`."""
    return f"{term}_weight"


def regularizer_parameters(regularizers):
    """One weight parameter per regularizer, fixed at its current weight by default.

    Args:
        regularizers: list of `tfvae.models.regularizers.Regularizer`, e.g. a preset's.
            A weight that is a `tfvae.schedules.Ramp` (what a number becomes) is
            tunable: a trial's value replaces the ramp's `value`, keeping its start
            and duration. Other schedules are kept as given and not tuned.

    Returns:
        Dict of `weight_name(term)` -> `Parameter`, in the regularizers' order.
    """
    return {
        weight_name(r.term): dataclasses.replace(REGULARIZER_WEIGHT, default=float(r.weight.value))
        for r in regularizers
        if isinstance(r.weight, schedules.Ramp)
    }


def contrastive_parameters(regularizers):
    """`CONTRASTIVE_PARAMETERS` and the weights of `regularizers` (see `regularizer_parameters`)."""
    return {**CONTRASTIVE_PARAMETERS, **regularizer_parameters(regularizers)}


class SearchSpace:
    """A checked search space: the parameters' defaults with the user's overrides.

    Args:
        parameters: dict of name -> `Parameter` (e.g. `VAE_PARAMETERS`).
        overrides: optional dict of name -> spec replacing the defaults.

    Raises:
        ValueError: an unknown name, or a spec that is malformed, empty, of the
            wrong type, below the parameter's minimum, or a log range that
            includes 0.
    """

    def __init__(self, parameters, overrides=None):
        overrides = dict(overrides or {})
        unknown = sorted(set(overrides) - set(parameters))
        if unknown:
            raise ValueError(f"unknown hyperparameters {unknown}; this model tunes {sorted(parameters)}.")
        self.parameters = dict(parameters)
        self.specs = {
            name: _normalize(name, overrides.get(name, parameter.default), parameter)
            for name, parameter in self.parameters.items()
        }

    def declare(self, hp):
        """Registers every parameter in `hp` (a `keras_tuner.HyperParameters`).

        Returns:
            Dict of name -> the value `hp` holds for this trial.
        """
        values = {}
        for name, spec in self.specs.items():
            kind = self.parameters[name].kind
            if spec["type"] == "fixed":
                values[name] = hp.Fixed(name, spec["value"])
            elif spec["type"] == "choice":
                values[name] = hp.Choice(name, spec["values"])
            else:
                make = hp.Int if kind is int else hp.Float
                step = {} if spec["step"] is None else {"step": spec["step"]}
                values[name] = make(name, spec["min"], spec["max"], sampling=spec["sampling"], **step)
        return values

    def tuned(self):
        """Names of the parameters that vary (ranges and choices), in declaration order."""
        return [name for name, spec in self.specs.items() if spec["type"] != "fixed"]


def _normalize(name, spec, parameter):
    """The checked canonical dict of one spec (`type` fixed / choice / range)."""
    if isinstance(spec, dict):
        extra = sorted(set(spec) - RANGE_KEYS)
        if extra or not {"min", "max"} <= set(spec):
            raise ValueError(f"{name}: a range dict needs keys 'min' and 'max' (optional 'sampling', 'step'); got {sorted(spec)}.")
        return _range(name, spec["min"], spec["max"], spec.get("sampling", parameter.sampling), spec.get("step"), parameter)
    if isinstance(spec, tuple):
        if len(spec) != 2:
            raise ValueError(f"{name}: a range tuple is (low, high); got {spec!r}.")
        return _range(name, spec[0], spec[1], parameter.sampling, None, parameter)
    if isinstance(spec, list):
        if not spec:
            raise ValueError(f"{name}: a choice list needs at least one value.")
        values = [_value(name, v, parameter) for v in spec]
        if len(set(values)) != len(values):
            raise ValueError(f"{name}: choices must be distinct; got {spec!r}.")
        return {"type": "choice", "values": values}
    return {"type": "fixed", "value": _value(name, spec, parameter)}


def _range(name, low, high, sampling, step, parameter):
    low, high = _value(name, low, parameter), _value(name, high, parameter)
    if not low < high:
        raise ValueError(f"{name}: a range needs low < high; got ({low}, {high}). Give a single value to fix it.")
    if sampling not in SAMPLINGS:
        raise ValueError(f"{name}: sampling must be one of {SAMPLINGS}; got {sampling!r}.")
    if sampling == "log" and low <= 0:
        raise ValueError(f"{name}: a log-uniform range needs low > 0; got ({low}, {high}). Use sampling='linear'.")
    if step is not None:
        step = _value(name, step, parameter)
        if step <= 0:
            raise ValueError(f"{name}: step must be positive; got {step}.")
    return {"type": "range", "min": low, "max": high, "sampling": sampling, "step": step}


def _value(name, value, parameter):
    """One value checked against the parameter's type and minimum."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value!r}.")
    if parameter.kind is int:
        if value != int(value):
            raise ValueError(f"{name}: expected an integer, got {value!r}.")
        value = int(value)
    else:
        value = float(value)
    too_small = value <= parameter.minimum if parameter.strict else value < parameter.minimum
    if too_small:
        bound = ">" if parameter.strict else ">="
        raise ValueError(f"{name}: values must be {bound} {parameter.minimum:g}; got {value!r}.")
    return value
