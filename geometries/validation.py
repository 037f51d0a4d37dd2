"""Typed, validated configuration objects for the whole project (pydantic v2).

Every configuration class of dwmtj (geometries, materials, pulses, protocols, run specs,
compact-model artifacts, network settings) is a *pydantic dataclass* made with
:func:`config_dataclass`. It lives here, in the bottom package that every other package may
import without a cycle (geometries imports nothing of the project).

What a config class gets:

* validation by pydantic on construction (keyword or positional arguments, as the former
  plain dataclasses took them) and in :meth:`TypedConfig.from_dict`; unknown keys are
  refused (``extra="forbid"``) and no float field accepts NaN or +-inf;
* the standard dataclass protocol (``dataclasses.replace`` re-validates, ``asdict``,
  ``fields``), so code written for the former dataclasses keeps working;
* errors as ONE line, ``<field path>: <reason>``, raised as :class:`ValueError`, e.g.
  ``protocol.ramps[0].v_stop: must be finite (V), got nan``. The path starts with the class's
  ``label`` (its name in a TOML file: ``notches``, ``ramp``, ``protocol``; empty for top-level
  objects) and follows the nested fields and list indices; :func:`error_line` makes the line
  from a :class:`pydantic.ValidationError`;
* :meth:`TypedConfig.to_dict` / :meth:`TypedConfig.from_dict`: the JSON/TOML form through
  pydantic (``dump_python(mode="json")`` / ``validate_python``).

Physical quantities are declared with :func:`quantity`, which states the SI unit (shown in the
field description, the JSON schema and every error message about the field) and, with
``typical=(lo, hi)``, the range of plausible values in that unit. A value outside it is refused
with its unit, the range and the field's name, e.g. ``width: 50 m is outside the typical range
1e-09..0.0001 m of the track width: expected metres; set DWMTJ_ALLOW_OUT_OF_RANGE=track.width
to use it deliberately``: most such values are numbers in
the wrong unit (nm given as m, mV as V, mT as T), which would otherwise end as an absurd run.

Widening a range deliberately (:func:`allow_out_of_range`):

* in Python, ``with allow_out_of_range("track.width", "pulse.width"): ...`` (no names: every
  range), the way a context manager sets an option in numpy (``np.errstate``);
* from the command line or a notebook, the environment variable
  ``DWMTJ_ALLOW_OUT_OF_RANGE``: a comma-separated list of names (``track.width,pulse.width``; a
  bare field name such as ``temperature`` widens that field in every class) or ``all``.

The hard bounds (``gt``, ``ge``, ...), finiteness and stability limits are never widened. A
stored object that was made with a widened range needs the same setting to be read again.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import math
import os
import re
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any, ClassVar, TypeVar, Union, get_args, get_origin

import numpy as np
import pydantic
import pydantic.dataclasses
import typing_extensions
from annotated_types import Ge, Gt, Le, Lt
from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ArgsKwargs, PydanticUndefined

__all__ = [
    "ARRAY_CONFIG",
    "CONFIG",
    "RANGE_ENV",
    "Flag",
    "Int",
    "Real",
    "TypedConfig",
    "allow_out_of_range",
    "check",
    "check_typical",
    "config_dataclass",
    "dump",
    "error_line",
    "load",
    "prefixed",
    "quantity",
    "range_allowed",
    "require_memory",
]

#: Settings of every config class: unknown keys are errors, floats must be finite.
CONFIG = ConfigDict(extra="forbid", allow_inf_nan=False)
#: :data:`CONFIG` for classes that also hold numpy arrays (checked by ``isinstance``).
ARRAY_CONFIG = ConfigDict(extra="forbid", allow_inf_nan=False, arbitrary_types_allowed=True)

T = TypeVar("T")


def _numpy_scalar(value: Any) -> Any:
    """numpy scalars (results of array arithmetic) -> the Python number they hold."""
    if isinstance(value, np.generic) and not isinstance(value, np.bool_):
        return value.item() if isinstance(value, np.integer | np.floating) else value
    return value


def _numpy_bool(value: Any) -> Any:
    return bool(value) if isinstance(value, np.bool_) else value


#: A finite real number; ints and numpy scalars are converted, bools and strings refused.
Real = Annotated[float, BeforeValidator(_numpy_scalar), Strict(), Field(allow_inf_nan=False)]
#: An integer (numpy integers accepted); floats such as 2.0 or 2.5 and bools are refused.
Int = Annotated[int, BeforeValidator(_numpy_scalar), Strict()]
#: True or false (numpy bools accepted); 0/1 and strings are refused.
Flag = Annotated[bool, BeforeValidator(_numpy_bool), Strict()]


def quantity(
    default: Any = PydanticUndefined,
    *,
    unit: str,
    description: str,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    typical: tuple[float, float] | None = None,
    widen_as: str | None = None,
    **kwargs: Any,
) -> Any:
    """A field holding a physical quantity in ``unit`` (SI; ``""`` for dimensionless).

    The description becomes ``"<description> (<unit>)"``; the bounds are pydantic's (hard:
    never widened). ``typical = (lo, hi)``: the plausible values, in ``unit``; a value
    outside ``[lo, hi]`` (each item of a tuple or list) is refused by config classes and
    :func:`check` unless widened (module docstring, :func:`allow_out_of_range`) under its
    name ``<class label>.<field>``, or ``widen_as`` (one name for several fields). Use it as the
    default of a :data:`Real` (or :data:`Int`) field::

        width: Real = quantity(
            50e-9, unit="s", description="full width at half maximum", gt=0, typical=(1e-12, 1e-5)
        )
    """
    text = f"{description} ({unit})" if unit else description
    extra: dict[str, Any] = {"unit": unit} if unit else {}
    if typical is not None:
        lo, hi = (float(v) for v in typical)
        if not lo < hi:
            raise ValueError(f"typical: need lo < hi, got {typical!r}")
        extra |= {"typical": [lo, hi], "what": description}
        if widen_as:
            extra["widen_as"] = widen_as
    return Field(
        default,
        description=text,
        json_schema_extra=extra or None,
        gt=gt,
        ge=ge,
        lt=lt,
        le=le,
        **kwargs,
    )


# --------------------------------------------------------------------- plausible ranges
#: The environment variable that widens plausible ranges (module docstring).
RANGE_ENV = "DWMTJ_ALLOW_OUT_OF_RANGE"
_WIDENED: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "dwmtj_widened_ranges", default=frozenset()
)
_ALL = frozenset({"all", "*", "1", "true", "yes"})


def _names(text: str) -> frozenset[str]:
    return frozenset(n.strip().lower() for n in text.split(",") if n.strip())


def range_allowed(name: str) -> bool:
    """Whether the plausible range of ``name`` (``"<class label>.<field>"``, e.g.
    ``"track.width"``) is widened, by :func:`allow_out_of_range` or :data:`RANGE_ENV`."""
    widened = _WIDENED.get() | _names(os.environ.get(RANGE_ENV, ""))
    if widened & _ALL:
        return True
    name = name.lower()
    return name in widened or name.rsplit(".", 1)[-1] in widened


@contextlib.contextmanager
def allow_out_of_range(*names: str) -> Iterator[None]:
    """Accept values outside the plausible range of the named quantities (``"track.width"``,
    ``"pulse.width"``, a bare field name, or none: every range) inside the ``with`` block.

    Hard bounds (positive lengths, finite numbers, time-step stability) still apply."""
    token = _WIDENED.set(_WIDENED.get() | (frozenset(n.lower() for n in names) or _ALL))
    try:
        yield
    finally:
        _WIDENED.reset(token)


def memory_bytes(available: bool = True) -> int | None:
    """The memory available now (``MemAvailable`` of /proc/meminfo, else free pages), or with
    ``available=False`` the physical memory, in bytes; None where the system does not say."""
    if available:
        try:
            with open("/proc/meminfo") as fh:
                for line in fh:
                    if line.startswith("MemAvailable:"):
                        return int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            pass
    name = "SC_AVPHYS_PAGES" if available else "SC_PHYS_PAGES"
    try:
        return int(os.sysconf(name)) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def require_memory(nbytes: float, what: str, *, available: bool = True) -> None:
    """Raise a one-line ValueError with the size in GiB if ``nbytes`` (the estimate for
    ``what``) exceeds the memory available now (or, ``available=False``, the physical
    memory). Called before a large array is allocated, so that a grid that cannot fit is
    refused instead of ending in a MemoryError (or the OOM killer) part-way through."""
    limit = memory_bytes(available)
    if limit is None or nbytes <= limit:
        return
    kind = "available" if available else "installed"
    raise ValueError(
        f"{what}: needs about {nbytes / 2**30:.3g} GiB, more than the {limit / 2**30:.3g} GiB "
        f"of memory {kind} on this machine (check the units of the lengths and the cell)"
    )


def _numbers(value: Any) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, tuple | list):
        return [float(v) for v in value if isinstance(v, int | float) and not isinstance(v, bool)]
    return []


def check_typical(
    value: Any, *, name: str, what: str, unit: str, typical: tuple[float, float] | list[float]
) -> None:
    """Raise a one-line ValueError (the reason; the caller or pydantic adds the path) if a
    number in ``value`` lies outside ``typical = (lo, hi)`` (in ``unit``) and the range of
    ``name`` is not widened (:func:`range_allowed`)."""
    lo, hi = typical
    for v in _numbers(value):
        if lo <= v <= hi or not math.isfinite(v) or range_allowed(name):
            continue
        u = f" {unit}" if unit else ""
        expected = f"expected {_UNIT_WORDS.get(unit, unit or 'a dimensionless number')}; "
        raise ValueError(
            f"{v:g}{u} is outside the typical range {lo:g}..{hi:g}{u} of the {what}: "
            f"{expected}set {RANGE_ENV}={name} to use it deliberately"
        )


_UNIT_WORDS = {
    "m": "metres",
    "s": "seconds",
    "V": "volts",
    "T": "tesla",
    "K": "kelvin",
    "ohm": "ohms",
    "A/m": "A/m",
    "J/m": "J/m",
}


def _typical_of(finfo: Any) -> tuple[tuple[float, float], str, str] | None:
    """(typical range, unit, description) of a FieldInfo made by :func:`quantity`, or None."""
    extra = getattr(finfo, "json_schema_extra", None)
    if isinstance(extra, dict) and "typical" in extra:
        lo, hi = extra["typical"]
        return (lo, hi), str(extra.get("unit", "")), str(extra.get("what", ""))
    return None


# ------------------------------------------------------------------------- config classes
class TypedConfig:
    """Base of the config classes: the plain-data form through pydantic.

    ``label`` (set by :func:`config_dataclass`) names the object in a TOML file and starts
    the path of its error messages.
    """

    __label__: ClassVar[str] = ""

    def to_dict(self) -> dict:
        """Plain JSON/TOML-friendly dict (pydantic, ``mode="json"``); see :meth:`from_dict`."""
        return dump(self)

    @classmethod
    def from_dict(cls: type[T], data: Mapping[str, Any]) -> T:
        """Build (validated) from the form written by :meth:`to_dict` / a TOML table."""
        return load(cls, data)


def config_dataclass(
    cls: type | None = None,
    *,
    label: str = "",
    frozen: bool = True,
    config: ConfigDict = CONFIG,
) -> Any:
    """Class decorator: a pydantic dataclass with :data:`CONFIG` whose construction errors
    are one-line ValueErrors (``<label>.<field>: <reason>``).

    Validators (``pydantic.field_validator`` / ``model_validator``) of the class raise
    ``ValueError("<reason>")`` for one field, or ``ValueError("<field path>: <reason>")`` in a
    model validator (the path is relative to the object).
    """

    def wrap(klass: type) -> type:
        klass.__label__ = label
        _add_typical_check(klass, label or klass.__name__.lower())
        klass = pydantic.dataclasses.dataclass(klass, frozen=frozen, config=config)
        init = klass.__init__

        @functools.wraps(init)
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            try:
                init(self, *args, **kwargs)
            except ValidationError as exc:
                raise ValueError(error_line(exc, type(self), type(self).__label__)) from None

        klass.__init__ = __init__
        return klass

    return wrap if cls is None else wrap(cls)


def _add_typical_check(klass: type, owner: str) -> None:
    """Give ``klass`` a field validator that checks the fields declared with
    ``quantity(typical=...)`` against their plausible range (named ``<owner>.<field>``)."""
    ranges = {
        name: found
        for name, value in vars(klass).items()
        if isinstance(value, pydantic.fields.FieldInfo) and (found := _typical_of(value))
    }
    if not ranges:
        return

    names = {
        field: vars(klass)[field].json_schema_extra.get("widen_as") or f"{owner}.{field}"
        for field in ranges
    }

    def _typical_range(cls: type, value: Any, info: ValidationInfo) -> Any:
        field = str(info.field_name)
        typical, unit, what = ranges[field]
        check_typical(value, name=names[field], what=what, unit=unit, typical=typical)
        return value

    validator = field_validator(*ranges, mode="after")(classmethod(_typical_range))
    klass._typical_range = validator  # type: ignore[attr-defined]


@functools.cache
def _adapter(cls: type) -> TypeAdapter:
    return TypeAdapter(cls)


_ADAPTERS: dict[int, tuple[Any, TypeAdapter]] = {}


def _type_adapter(tp: Any) -> TypeAdapter:
    """A cached TypeAdapter of any type (Annotated types are not always hashable)."""
    key = id(tp)
    if key not in _ADAPTERS:
        _ADAPTERS[key] = (tp, TypeAdapter(tp))
    return _ADAPTERS[key][1]


def dump(obj: Any, **kwargs: Any) -> dict:
    """The plain-data (JSON) form of a config object: ``dump_python(obj, mode="json")``."""
    return _adapter(type(obj)).dump_python(obj, mode="json", **kwargs)


def load(
    cls: type[T], data: Any, prefix: str | None = None, rename: Mapping[tuple, str] | None = None
) -> T:
    """Validate ``data`` (a dict / TOML table) into ``cls``; errors are one line that starts
    with ``prefix`` (default: the class's label); ``rename``: see :func:`error_line`."""
    prefix = cls.__label__ if prefix is None else prefix
    if not isinstance(data, Mapping):
        where = prefix or "table"
        raise ValueError(f"{where}: must be a table/dict, got {type(data).__name__}")
    try:
        return _adapter(cls).validate_python(dict(data))
    except ValidationError as exc:
        raise ValueError(error_line(exc, cls, prefix, rename)) from None


def check(tp: Any, value: Any, path: str) -> Any:
    """Validate one value (a function argument, say) against ``tp``, e.g.
    ``check(Real, dx, "cell.dx")`` with ``tp`` an ``Annotated`` type with bounds."""
    try:
        value = _type_adapter(tp).validate_python(value)
    except ValidationError as exc:
        raise ValueError(error_line(exc, tp, path)) from None
    found = _typical_of(_annotated_info(tp))
    if found is not None:
        typical, unit, what = found
        try:
            check_typical(value, name=path, what=what, unit=unit, typical=typical)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
    return value


def prefixed(prefix: str, build: Callable[[], T]) -> T:
    """Run ``build`` and put ``prefix`` (the enclosing field) in front of the field path of
    any ValueError it raises (for objects validated by another class, e.g. a run's
    geometry)."""
    try:
        return build()
    except ValueError as exc:
        text = str(exc)
        raise ValueError(f"{prefix}.{text}" if _PATH.match(text) else f"{prefix}: {text}") from None


# ---------------------------------------------------------------------------- error lines
#: "a.b[0].c: reason": a message that starts with a field path.
_PATH = re.compile(r"^[A-Za-z_]\w*(?:\[\d+\])*(?:\.[A-Za-z_]\w*(?:\[\d+\])*)*: ")
_UNKNOWN = ("extra_forbidden", "unexpected_keyword_argument")
#: Error types about the kind of input (a mismatched union member reports one of these).
_TYPE_ERRORS = ("_type", "_parsing", "literal_error", "is_instance_of", "is_subclass_of")


def error_line(
    exc: ValidationError,
    model: Any = None,
    prefix: str = "",
    rename: Mapping[tuple, str] | None = None,
) -> str:
    """One line, ``<path>: <reason>``, for the first problem in ``exc``.

    ``model`` is the validated class or type (for units, positional-argument names and the
    allowed keys); ``prefix`` starts the path; ``rename`` maps a leading part of the error
    location to another path (``{("ramps", 0): "ramp"}``) for shorthand input forms. Further
    problems are counted: ``(+2 more errors)``.
    """
    errors = exc.errors(include_url=False)
    # an error of a container that also holds a failing item is a consequence of it
    errors = [
        e
        for e in errors
        if not any(
            len(o["loc"]) > len(e["loc"]) and tuple(o["loc"][: len(e["loc"])]) == tuple(e["loc"])
            for o in errors
        )
    ] or errors
    first = _pick(errors)
    parts, finfo, node = _walk(model, first["loc"])
    loc = tuple(first["loc"])
    for head, name in (rename or {}).items():
        if loc[: len(head)] == head:
            parts = [name] + [""] * (len(head) - 1) + parts[len(head) :]
            break
    path = _join([prefix, *parts])
    if first["type"] in _UNKNOWN:
        node = _walk(model, loc[:-1])[2]
    reason = _reason(first, finfo, node)
    match = _PATH.match(reason) if first["type"] in ("value_error", "assertion_error") else None
    if match:  # a model validator named the field itself
        path = _join([path, match.group(0)[:-2]])
        reason = reason[match.end() :]
    others = {e["loc"][:1] for e in errors} - {first["loc"][:1]}
    more = f" (+{len(others)} more error{'s' if len(others) > 1 else ''})" if others else ""
    return f"{path}: {reason}{more}" if path else f"{reason}{more}"


def _pick(errors: list[dict]) -> dict:
    """The error to report: an unknown key first (a misspelt key also makes the right one
    "missing"), else the first field's; of that field's errors the most specific (deepest,
    and not a mere type mismatch of one union member)."""
    unknown = [e for e in errors if e["type"] in _UNKNOWN]
    errors = unknown or errors
    head = errors[0]["loc"][:1]
    same = [e for e in errors if e["loc"][:1] == head]
    return max(same, key=lambda e: (len(e["loc"]), not e["type"].endswith(_TYPE_ERRORS)))


def _join(parts: list[str]) -> str:
    out = ""
    for part in parts:
        if not part:
            continue
        out = out + part if (part.startswith("[") or not out) else f"{out}.{part}"
    return out


def _strip(tp: Any) -> Any:
    """``Annotated[X, ...]`` -> X, ``X | None`` -> X."""
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
            continue
        if _is_union(tp):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) == 1:
                tp = args[0]
                continue
        return tp


def _is_union(tp: Any) -> bool:
    import types

    return get_origin(tp) in (Union, types.UnionType)


def _fields(node: Any) -> dict[str, Any] | None:
    """name -> FieldInfo (or None) of a config class / TypedDict, else None."""
    if isinstance(node, type) and dataclasses.is_dataclass(node):
        pyd = getattr(node, "__pydantic_fields__", None)
        names = [f.name for f in dataclasses.fields(node) if f.init]
        return {n: (pyd or {}).get(n) for n in names}
    if isinstance(node, type) and issubclass(node, pydantic.BaseModel):
        return dict(node.model_fields)
    if typing_extensions.is_typeddict(node):
        hints = typing.get_type_hints(node, include_extras=True)
        return {name: _annotated_info(hint) for name, hint in hints.items()}
    return None


def _walk(model: Any, loc: tuple) -> tuple[list[str], Any, Any]:
    """Path parts (one per ``loc`` item, "" for union tags), the FieldInfo of the innermost
    named field, and the innermost class/type reached."""
    node = _strip(model)
    finfo = _annotated_info(model)
    parts: list[str] = []
    for item in loc:
        fields = _fields(node)
        if fields is not None:
            if isinstance(item, int):  # positional argument of a dataclass constructor
                item = list(fields)[item] if item < len(fields) else f"[{item}]"
            parts.append(str(item))
            if item in fields:
                finfo = fields[item] if fields[item] is not None else finfo
                node = _strip(_field_type(node, item, fields[item]))
            else:
                node = None
        elif isinstance(item, int):
            parts.append(f"[{item}]")
            node = _item_type(node)
        elif _is_union(node):  # pydantic names the union member that failed: not a path
            parts.append("")
            node = next((a for a in get_args(node) if _tag(a) == item), None)
            node = _strip(node) if node is not None else None
        elif get_origin(node) in (dict, Mapping) or node is dict:
            parts.append(str(item))
            args = get_args(node)
            node = _strip(args[1]) if len(args) == 2 else None
        else:
            parts.append(str(item))
            node = None
    return parts, finfo, node


def _annotated_info(tp: Any) -> Any:
    """The FieldInfo inside ``Annotated[X, Field(...)]`` (for :func:`check`), else None."""
    if get_origin(tp) is Annotated:
        infos = [m for m in get_args(tp)[1:] if isinstance(m, pydantic.fields.FieldInfo)]
        if infos:
            return pydantic.fields.FieldInfo.merge_field_infos(*infos)
    return None


def _field_type(node: Any, name: str, info: Any) -> Any:
    if info is not None and getattr(info, "annotation", None) is not None:
        return info.annotation
    try:
        return typing.get_type_hints(node, include_extras=True).get(name)
    except Exception:  # noqa: BLE001 - only used for messages
        return None


def _item_type(node: Any) -> Any:
    args = [a for a in get_args(node) if a is not Ellipsis]
    return _strip(args[0]) if len(args) >= 1 else None


def _tag(tp: Any) -> str:
    tp = _strip(tp)
    return getattr(tp, "__name__", repr(tp)) if isinstance(tp, type) else repr(tp)


def _unit(finfo: Any) -> str:
    extra = getattr(finfo, "json_schema_extra", None)
    return extra.get("unit", "") if isinstance(extra, dict) else ""


def _bounds(finfo: Any) -> dict[str, float]:
    out: dict[str, float] = {}
    for meta in getattr(finfo, "metadata", ()) or ():
        for kind in (Gt, Ge, Lt, Le):
            if isinstance(meta, kind):
                out[kind.__name__.lower()] = getattr(meta, kind.__name__.lower())
    return out


def _got(value: Any) -> str:
    if isinstance(value, ArgsKwargs | dict) and value:
        return ""
    text = repr(value)
    return f", got {text if len(text) <= 80 else text[:77] + '...'}"


def _reason(err: dict, finfo: Any, node: Any) -> str:
    """The reason of one pydantic error in this project's words (units included)."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    unit = _unit(finfo)
    u = f" ({unit})" if unit else ""
    got = _got(value)
    if kind in ("missing", "missing_argument", "missing_keyword_only_argument"):
        return "missing"
    if kind in _UNKNOWN:
        allowed = list(_fields(node) or ()) if node is not None else []
        return f"unknown key (allowed: {', '.join(allowed)})" if allowed else "unknown key"
    if kind == "unexpected_positional_argument":
        return "too many positional arguments"
    if kind == "finite_number":
        return f"must be finite{u}{got}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        b = _bounds(finfo) or {k[:2]: v for k, v in ctx.items()}
        lo = ("(", b["gt"]) if "gt" in b else ("[", b["ge"]) if "ge" in b else None
        hi = (")", b["lt"]) if "lt" in b else ("]", b["le"]) if "le" in b else None
        if lo and hi:
            return f"must be in {lo[0]}{lo[1]:g}, {hi[1]:g}{hi[0]}{u}{got}"
        if kind == "greater_than" and ctx.get("gt") == 0:
            return f"must be positive{u}{got}"
        sign = {
            "greater_than": ">",
            "greater_than_equal": ">=",
            "less_than": "<",
            "less_than_equal": "<=",
        }[kind]
        limit = next(iter(ctx.values()))
        return f"must be {sign} {limit:g}{u}{got}"
    if kind in ("float_type", "float_parsing"):
        return f"must be a real number{u}{got}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be an integer{got}"
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false{got}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')}{got}"
    if kind in (
        "dict_type",
        "mapping_type",
        "dataclass_type",
        "dataclass_args_type",
        "model_type",
        "model_attributes_type",
    ):
        return f"must be a table/dict{got}"
    if kind in ("value_error", "assertion_error"):
        msg = err["msg"]
        for lead in ("Value error, ", "Assertion failed, "):
            msg = msg.removeprefix(lead)
        return msg
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return f"must be a non-empty string{got}"
    if kind in ("too_short", "too_long"):
        n = ctx.get("min_length" if kind == "too_short" else "max_length")
        bound = "at least" if kind == "too_short" else "at most"
        return f"must hold {bound} {n} item{'s' if n != 1 else ''}{got}"
    if kind in ("tuple_type", "list_type", "iterable_type", "set_type"):
        return f"must be a list{got}"
    if kind == "callable_type":
        return f"must be callable{got}"
    msg = err["msg"].replace("Input should be", "must be")
    return f"{msg[:1].lower()}{msg[1:]}{got}"
