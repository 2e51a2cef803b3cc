"""`--config FILE.yaml`: set any flag of a command from a YAML mapping.

Keys are flag names without the leading dashes, spelled with `-` or `_`
(`hidden-units: 64,32` or `hidden_units: [64, 32]`); flags given on the command line
override the file. Values are checked against the parser's own declarations (type,
choices, on/off flags), so every command gets the same checks without listing its
flags here:

- on/off flags (`store_true`, `store_false`) take `true` or `false`;
- repeatable (`append`) flags and flags taking several values take a list, one
  item per value; repeating the flag on the command line adds to the file's list;
- any other flag takes a scalar, or a list written out comma-separated as on the
  command line (`digits: [0, 1]` is `--digits 0,1`);
- `null` leaves the flag's default.

Positional arguments (e.g. `RUN_DIR`) stay on the command line: argparse checks
them before the file is read.

A bad file stops the command with a one-line `SystemExit` message.
"""

import argparse
import difflib
import os

#: Namespace attribute that carries the parser of the chosen sub-command through the
#: first parse (removed before the arguments are returned).
_PARSER_KEY = "_config_parser"


def add_config_argument(parser):
    """Adds `--config FILE.yaml` to `parser` (an `argparse.ArgumentParser` of one command).

    Args:
        parser: the parser of a leaf command, i.e. one that `parse_args` may pick.
    """
    parser.add_argument("--config", metavar="FILE.yaml", default=None,
                        help="read flags from a YAML mapping of this command's flag names (spelled with - or _) "
                             "to values; flags on the command line override it")
    parser.set_defaults(**{_PARSER_KEY: parser})


def parse_args(parser, argv=None):
    """Parses `argv` like `parser.parse_args`, with `--config` files applied as defaults.

    Args:
        parser: the top-level `argparse.ArgumentParser`; its leaf commands were given
            `--config` by `add_config_argument`.
        argv: list of str, or None for `sys.argv[1:]`.

    Returns:
        The `argparse.Namespace`. The chosen command's parser keeps the file's
        values as its defaults.

    Raises:
        SystemExit: bad flags, or a bad config file (one-line message).
    """
    args = parser.parse_args(argv)
    chosen = vars(args).pop(_PARSER_KEY, None)
    if chosen is None or args.config is None:
        return args
    chosen.set_defaults(**read_config(chosen, args.config))
    args = parser.parse_args(argv)
    vars(args).pop(_PARSER_KEY)
    return args


def read_config(parser, path):
    """The flag values a YAML file sets, checked against `parser`'s declarations.

    Args:
        parser: the `argparse.ArgumentParser` of one command.
        path: str. A YAML file holding a mapping of flag names to values.

    Returns:
        Dict `{dest: value}` of converted values, ready for `parser.set_defaults`.

    Raises:
        SystemExit: missing or unreadable file, YAML that is not a mapping, an
            unknown key, a value of the wrong type or outside the flag's choices.
    """
    where = f"{parser.prog}: config {path}"
    mapping = read_mapping(path, parser.prog, "config", "flag names to values")
    actions = _settable_actions(parser)
    values = {}
    for key, value in mapping.items():
        name = str(key).replace("_", "-")
        if name not in actions:
            raise SystemExit(f"{where}: unknown key {str(key)!r}{_suggestion(name, actions)}; "
                             f"valid keys: {', '.join(sorted(actions))}.")
        action = actions[name]
        if action.dest in values:
            raise SystemExit(f"{where}: key {name!r} is given twice (with '-' and '_').")
        if value is not None:
            values[action.dest] = _convert(action, name, value, where)
    return values


def read_mapping(path, prog, label, contents):
    """The mapping a YAML file holds (`{}` for an empty file), for `--config` and
    `--model-config`.

    Args:
        path: str. The file.
        prog: str. The command, for messages.
        label: str. What the file is (`"config"`, `"model config"`).
        contents: str. What the mapping maps, for messages.

    Raises:
        SystemExit: a missing file, invalid YAML or not a mapping (one line).
    """
    import yaml

    if not os.path.isfile(path):
        raise SystemExit(f"{prog}: {label} file {path!r} not found.")
    try:
        with open(path) as f:
            mapping = yaml.safe_load(f)
    except yaml.YAMLError as error:
        raise SystemExit(f"{prog}: {label} {path}: not valid YAML: {' '.join(str(error).split())}") from None
    if mapping is None:
        return {}  # an empty file sets nothing
    if not isinstance(mapping, dict):
        raise SystemExit(f"{prog}: {label} {path}: expected a mapping of {contents}, got a {type(mapping).__name__}.")
    return mapping


def _settable_actions(parser):
    """`{flag name: action}` of every optional flag but `--help` and `--config`."""
    actions = {}
    for action in parser._actions:  # argparse keeps its declarations here; there is no public list
        if isinstance(action, argparse._HelpAction) or action.dest in ("config", _PARSER_KEY):
            continue
        for option in action.option_strings:
            if option.startswith("--"):
                actions[option[2:]] = action
    return actions


def _suggestion(name, actions):
    close = difflib.get_close_matches(name, actions, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _convert(action, name, value, where):
    """One YAML value converted and checked as argparse would the flag's text."""
    if action.nargs == 0:
        return _switch(action, name, value, where)
    if isinstance(action, argparse._AppendAction) or action.nargs in ("*", "+") or isinstance(action.nargs, int):
        items = value if isinstance(value, list) else [value]
        return [_checked(action, name, item, where) for item in items]
    return _checked(action, name, value, where)


def _switch(action, name, value, where):
    """The value of an on/off flag set to YAML `true` or `false`."""
    if not isinstance(value, bool):
        raise SystemExit(f"{where}: key {name!r} expects true or false, got {value!r}.")
    if isinstance(action, argparse.BooleanOptionalAction):
        return value
    if not isinstance(action.const, bool):
        raise SystemExit(f"{where}: key {name!r} cannot be set from a config file.")
    return action.const if value else action.default


def positive_int(text):
    """A flag type: an int >= 1 (sizes, counts and epochs; 0 would hang or divide by zero)."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _checked(action, name, value, where):
    """A single value through the flag's `type` and `choices`."""
    converted = _typed(action, name, value, where)
    if action.choices is not None and converted not in action.choices:
        choices = ", ".join(str(choice) for choice in action.choices)
        raise SystemExit(f"{where}: key {name!r} must be one of {choices}; got {value!r}.")
    return converted


def _typed(action, name, value, where):
    """`value` through the flag's `type`, from the text the command line would hold."""
    expected = _type_name(action)
    if isinstance(value, list) and all(_is_scalar(item) for item in value):
        text = ",".join(str(item) for item in value)  # as on the command line: --digits 0,1
    elif _is_scalar(value):
        text = str(value)
    else:
        raise SystemExit(f"{where}: key {name!r} expects {expected}, got {value!r}.")
    if action.type is None:
        return text
    try:
        return action.type(text)
    except argparse.ArgumentTypeError as error:  # the flag's own explanation
        raise SystemExit(f"{where}: key {name!r}: {str(error).rstrip('.')}.") from None
    except (TypeError, ValueError):
        raise SystemExit(f"{where}: key {name!r} expects {expected}, got {value!r}.") from None


def _is_scalar(value):
    """Numbers and strings; YAML booleans only ever set on/off flags."""
    return isinstance(value, (int, float, str)) and not isinstance(value, bool)


def _type_name(action):
    """How a flag's value is described in errors: int, float, str or its metavar."""
    if action.type in (None, str):
        return "str"
    if action.type in (int, float):
        return action.type.__name__
    if action.metavar:
        return str(action.metavar)
    return getattr(action.type, "__name__", "a value").strip("_").replace("<lambda>", "a value").replace("_", " ")
