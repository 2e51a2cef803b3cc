"""Every public symbol of the three packages has a docstring (issue 7)."""

import importlib
import inspect
import pkgutil

import pytest

PACKAGES = ("tfvae", "pipelines", "tuning")


def _modules(package):
    root = importlib.import_module(package)
    yield root
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        yield importlib.import_module(info.name)


def _public_symbols(module):
    """Public functions and classes defined in `module` (not re-exported), and the
    public methods that those classes define themselves."""
    for name, value in vars(module).items():
        if name.startswith("_") or getattr(value, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(value):
            yield f"{module.__name__}.{name}", value
        elif inspect.isclass(value):
            yield f"{module.__name__}.{name}", value
            for attr, member in vars(value).items():
                if attr.startswith("_") or not inspect.isfunction(member):
                    continue
                if attr in ("get_config", "from_config", "call", "build", "compute_output_shape", "compute_output_spec", "set_model"):
                    continue  # Keras protocol methods, documented by Keras
                if any(hasattr(base, attr) and getattr(base, attr).__doc__ for base in value.__mro__[1:]):
                    continue  # an override of a documented method
                yield f"{module.__name__}.{name}.{attr}", member


@pytest.mark.parametrize("package", PACKAGES)
def test_public_symbols_have_docstrings(package):
    missing = []
    for module in _modules(package):
        if not (module.__doc__ or "").strip():
            missing.append(module.__name__)
        missing += [name for name, value in _public_symbols(module) if not (inspect.getdoc(value) or "").strip()]
    assert not missing, f"no docstring: {missing}"
