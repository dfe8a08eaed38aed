"""A small reader of lavaan's model syntax, for confirmatory factor models.

Supported (the subset a measurement model needs):

* ``f =~ x1 + x2 + x3``: the indicators of factor ``f``; several factors, one
  per statement; an indicator may load on more than one factor.
* ``x1 ~~ x2``: a residual covariance between two indicators, or a covariance
  between two factors; ``x1 ~~ x1`` or ``f ~~ f`` names a variance.
* Modifiers on a right-hand term: a number fixes the parameter (``1*x1``,
  ``0*f2``, ``0.5*x1``) and ``NA`` frees it (``NA*x1`` frees the first loading).
* Statements are separated by line breaks (``\\n`` or ``\\r\\n``) or ``;``;
  ``#`` and ``!`` start a comment that runs to the end of the line.
* Other line separators (a lone ``\\r``, ``\\v``, ``\\f``, U+0085, U+2028,
  U+2029, ...) and control characters are refused, so that there is only
  one way to read where a statement or a comment ends.

Everything else lavaan understands (regressions ``~``, intercepts ``~ 1``,
labels and equality constraints, ``:=``, ``==``, ``<``, ``>``, ``start()``,
multi-group ``c()``, formative ``<~``, thresholds ``|``) is refused with an
error that names the statement.

:func:`parameter_table` then applies the defaults of lavaan's ``cfa()``: the
first loading of each factor fixed to 1 (or, with ``std_lv=True``, every
factor variance fixed to 1 and every loading free), all residual variances
free, and every covariance between factors free.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd

__all__ = ["ModelSpec", "parameter_table", "parse_model"]

_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_UNSUPPORTED_OPS = [
    (":=", "defined parameters (:=)"),
    ("==", "equality constraints (==)"),
    ("<~", "formative indicators (<~)"),
    ("~*~", "scale factors (~*~)"),
    ("|", "thresholds (|)"),
    ("<", "inequality constraints (<)"),
    (">", "inequality constraints (>)"),
]

FREE = "NA"
"""The modifier that frees a parameter (``NA*x1``)."""


@dataclass(frozen=True)
class ModelSpec:
    """What a model text says, before lavaan's defaults are applied.

    Attributes
    ----------
    text : str
        The model text as given.
    factors : tuple of str
        Factor names in order of appearance.
    indicators : tuple of str
        Indicator (observed variable) names in order of first appearance.
    loadings : tuple of (factor, indicator, modifier)
        One entry per ``=~`` term; the modifier is None (none given), the
        string ``"NA"`` (free) or a float (fixed value).
    covariances : tuple of (lhs, rhs, modifier)
        One entry per ``~~`` term, as written.
    """

    text: str
    factors: tuple[str, ...]
    indicators: tuple[str, ...]
    loadings: tuple[tuple[str, str, object], ...]
    covariances: tuple[tuple[str, str, object], ...]


# Characters that some readers take as a line break and others do not, and other
# control characters: refused anywhere in a model (tabs and "\n" are fine).
_AMBIGUOUS = {
    "\r": "a carriage return not followed by a line feed",
    "\x0b": "a vertical tab",
    "\x0c": "a form feed",
    "\x1c": "a file separator (U+001C)",
    "\x1d": "a group separator (U+001D)",
    "\x1e": "a record separator (U+001E)",
    "\x85": "a next-line character (U+0085)",
    "\u2028": "a line separator (U+2028)",
    "\u2029": "a paragraph separator (U+2029)",
}


def _check_characters(text: str) -> str:
    """Return ``text`` with Windows line ends made plain; refuse ambiguous characters."""
    text = text.replace("\r\n", "\n")
    for pos, ch in enumerate(text):
        what = _AMBIGUOUS.get(ch)
        if what is None and (ch < " " and ch not in "\t\n" or ch == "\x7f"):
            what = f"a control character (U+{ord(ch):04X})"
        if what is not None:
            line = text.count("\n", 0, pos) + 1
            raise ValueError(
                f"model: line {line} contains {what}; write statements on lines ended by "
                "a line feed (or separated by ';')"
            )
    return text


def _statements(text: str):
    for line in _check_characters(text).split("\n"):
        line = re.split(r"[#!]", line, maxsplit=1)[0]
        for part in line.split(";"):
            part = part.strip()
            if part:
                yield part


def _parse_term(term: str, statement: str):
    """Return ``(name, modifier)`` for one right-hand term such as ``0.5*x1``."""
    term = term.strip()
    if not term:
        raise ValueError(f"model: empty term in {statement!r} (a stray '+'?)")
    pieces = [p.strip() for p in term.split("*")]
    if len(pieces) > 2:
        raise ValueError(
            f"model: term {term!r} in {statement!r} has more than one modifier; "
            "only one fixed value or NA is supported"
        )
    name = pieces[-1]
    if not _NAME.match(name):
        if _NUMBER.match(name) and len(pieces) == 1:
            raise ValueError(
                f"model: {statement!r} has a constant term {term!r}; intercepts and "
                "mean structures are not supported"
            )
        raise ValueError(f"model: {name!r} in {statement!r} is not a valid variable name")
    if len(pieces) == 1:
        return name, None
    mod = pieces[0]
    if mod == FREE:
        return name, FREE
    if _NUMBER.match(mod):
        value = float(mod)
        if not math.isfinite(value):
            raise ValueError(f"model: fixed value {mod!r} in {statement!r} is not finite")
        return name, value
    if mod.startswith(("start(", "c(", "equal(", "label(", "lower(", "upper(")):
        raise ValueError(
            f"model: modifier {mod!r} in {statement!r} is not supported; "
            "use a number to fix a parameter or NA to free it"
        )
    raise ValueError(
        f"model: modifier {mod!r} in {statement!r} looks like a parameter label; labels and "
        "equality constraints are not supported (use a number to fix a parameter, NA to free it)"
    )


def parse_model(model: str) -> ModelSpec:
    """Read a measurement model written in lavaan syntax.

    Parameters
    ----------
    model : str
        Model text, e.g. ``"visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6"``.

    Returns
    -------
    ModelSpec
        Factors, indicators, loadings and covariances as written.

    Raises
    ------
    TypeError
        If ``model`` is not a string.
    ValueError
        For syntax outside the supported subset, a factor without indicators,
        a repeated loading, or a name used as both a factor and an indicator.

    Examples
    --------
    >>> spec = parse_model("f =~ x1 + x2 + x3; x1 ~~ x2")
    >>> spec.factors, spec.indicators
    (('f',), ('x1', 'x2', 'x3'))
    >>> spec.covariances
    (('x1', 'x2', None),)
    >>> parse_model("y ~ x1")
    Traceback (most recent call last):
    ...
    ValueError: model: 'y ~ x1' is a regression or intercept (~); only =~ and ~~ are supported
    """
    if not isinstance(model, str):
        raise TypeError(f"model must be a string in lavaan syntax, got {type(model).__name__}")
    factors: list[str] = []
    indicators: list[str] = []
    loadings: list[tuple[str, str, object]] = []
    covariances: list[tuple[str, str, object]] = []
    seen_loadings: set[tuple[str, str]] = set()
    for statement in _statements(model):
        if "=~" in statement:
            op = "=~"
        elif "~~" in statement:
            op = "~~"
        else:
            for token, what in _UNSUPPORTED_OPS:
                if token in statement:
                    raise ValueError(f"model: {statement!r} uses {what}, which is not supported")
            if "~" in statement:
                raise ValueError(
                    f"model: {statement!r} is a regression or intercept (~); "
                    "only =~ and ~~ are supported"
                )
            raise ValueError(f"model: cannot read {statement!r}; expected 'f =~ x1 + x2' or 'x1 ~~ x2'")
        lhs, _, rhs = statement.partition(op)
        lhs = lhs.strip()
        for token, what in _UNSUPPORTED_OPS:
            if token in rhs:
                raise ValueError(f"model: {statement!r} uses {what}, which is not supported")
        if not _NAME.match(lhs):
            raise ValueError(
                f"model: left-hand side {lhs!r} of {statement!r} must be a single variable name"
            )
        terms = [_parse_term(t, statement) for t in rhs.split("+")]
        if op == "=~":
            if lhs not in factors:
                factors.append(lhs)
            for name, mod in terms:
                if (lhs, name) in seen_loadings:
                    raise ValueError(f"model: {name!r} is listed twice as an indicator of {lhs!r}")
                seen_loadings.add((lhs, name))
                loadings.append((lhs, name, mod))
                if name not in indicators:
                    indicators.append(name)
        else:
            for name, mod in terms:
                covariances.append((lhs, name, mod))
    if not loadings:
        raise ValueError("model: no factor is defined; write at least one 'f =~ x1 + x2 + x3'")
    both = [f for f in factors if f in indicators]
    if both:
        raise ValueError(
            f"model: {both[0]!r} is used both as a factor and as an indicator; "
            "higher-order factors are not supported"
        )
    known = set(factors) | set(indicators)
    for lhs, rhs, _ in covariances:
        for name in (lhs, rhs):
            if name not in known:
                raise ValueError(
                    f"model: {lhs} ~~ {rhs}: {name!r} is neither a factor nor an indicator of "
                    "the model; ~~ may only relate variables that appear in a =~ statement"
                )
        if (lhs in factors) != (rhs in factors):
            raise ValueError(
                f"model: {lhs} ~~ {rhs} relates a factor to an indicator, which is not supported"
            )
    return ModelSpec(
        text=model,
        factors=tuple(factors),
        indicators=tuple(indicators),
        loadings=tuple(loadings),
        covariances=tuple(covariances),
    )


def _fixed_value(mod):
    return None if mod is None or mod == FREE else float(mod)


def parameter_table(spec: ModelSpec, *, std_lv: bool = False) -> pd.DataFrame:
    """Apply lavaan ``cfa()``'s defaults and list every model parameter.

    Parameters
    ----------
    spec : ModelSpec
        A parsed model (:func:`parse_model`).
    std_lv : bool, default False
        Identify each factor by fixing its variance to 1 and freeing all its
        loadings (lavaan's ``std.lv = TRUE``); otherwise the first loading of
        each factor is fixed to 1 (unless the model gives it a modifier).

    Returns
    -------
    pandas.DataFrame
        One row per parameter, in the order loadings, residual variances,
        factor variances, factor covariances, residual covariances, with
        columns ``lhs``, ``op`` (``"=~"`` or ``"~~"``), ``rhs``, ``kind``
        (``"loading"``, ``"residual_variance"``, ``"latent_variance"``,
        ``"latent_covariance"``, ``"residual_covariance"``), ``free`` (bool)
        and ``value`` (the fixed value; NaN for a free parameter).

    Raises
    ------
    ValueError
        If a factor has no scale (no fixed loading and a free variance), if a
        factor with one indicator has a free residual variance, if a one-factor
        model has fewer than 3 indicators, if the model has more free
        parameters than the data have variances and covariances, or if a
        parameter is given twice.

    Examples
    --------
    >>> table = parameter_table(parse_model("f =~ x1 + x2 + x3"), std_lv=True)
    >>> print(table[["lhs", "op", "rhs", "free", "value"]].to_string(index=False))
    lhs op rhs  free  value
      f =~  x1  True    NaN
      f =~  x2  True    NaN
      f =~  x3  True    NaN
     x1 ~~  x1  True    NaN
     x2 ~~  x2  True    NaN
     x3 ~~  x3  True    NaN
      f ~~   f False    1.0
    """
    if not isinstance(spec, ModelSpec):
        raise TypeError(f"spec must be a ModelSpec from parse_model, got {type(spec).__name__}")
    if not isinstance(std_lv, bool):
        raise TypeError(f"std_lv must be True or False, got {type(std_lv).__name__} {std_lv!r}")
    factors, indicators = spec.factors, spec.indicators
    rows = []

    first = {}
    for factor, indicator, _mod in spec.loadings:
        first.setdefault(factor, indicator)
    for factor, indicator, mod in spec.loadings:
        fixed = _fixed_value(mod)
        if mod is None and not std_lv and first[factor] == indicator:
            fixed = 1.0
        rows.append((factor, "=~", indicator, "loading", fixed))

    # user ~~ statements, normalised to the model's variable order
    order = {name: i for i, name in enumerate(list(factors) + list(indicators))}
    user: dict[tuple[str, str], object] = {}
    for lhs, rhs, mod in spec.covariances:
        key = tuple(sorted((lhs, rhs), key=order.__getitem__))
        if key in user:
            raise ValueError(f"model: the (co)variance {lhs} ~~ {rhs} is given twice")
        user[key] = mod

    for x in indicators:
        rows.append((x, "~~", x, "residual_variance", _fixed_value(user.get((x, x)))))
    for f in factors:
        if (f, f) in user:
            fixed = _fixed_value(user[(f, f)])
        else:
            fixed = 1.0 if std_lv else None
        rows.append((f, "~~", f, "latent_variance", fixed))
    for i, f in enumerate(factors):
        for g in factors[i + 1 :]:
            rows.append((f, "~~", g, "latent_covariance", _fixed_value(user.get((f, g)))))
    for (lhs, rhs), mod in user.items():
        if lhs != rhs and lhs in indicators:
            rows.append((lhs, "~~", rhs, "residual_covariance", _fixed_value(mod)))

    table = pd.DataFrame(rows, columns=["lhs", "op", "rhs", "kind", "value"])
    table["free"] = table["value"].isna()
    table["value"] = table["value"].astype(float)
    table = table[["lhs", "op", "rhs", "kind", "free", "value"]]
    _check_identified(table, factors, indicators)
    return table


def _check_identified(table: pd.DataFrame, factors, indicators) -> None:
    loads = table[table["kind"] == "loading"]
    for f in factors:
        mine = loads[loads["lhs"] == f]
        scaled_by_loading = ((~mine["free"]) & (mine["value"] != 0)).any()
        var = table[(table["kind"] == "latent_variance") & (table["lhs"] == f)].iloc[0]
        scaled_by_variance = (not var["free"]) and var["value"] > 0
        if not var["free"] and var["value"] <= 0:
            raise ValueError(f"model: the variance of factor {f!r} is fixed to {var['value']:g}; it must be > 0")
        if not (scaled_by_loading or scaled_by_variance):
            raise ValueError(
                f"model: factor {f!r} has no scale, so it is not identified: fix one loading "
                "(the default fixes the first to 1; NA* frees it) or fix its variance "
                f"('{f} ~~ 1*{f}' or std_lv=True)"
            )
        if len(mine) == 1:
            x = mine["rhs"].iloc[0]
            res = table[(table["kind"] == "residual_variance") & (table["lhs"] == x)].iloc[0]
            if res["free"]:
                raise ValueError(
                    f"model: factor {f!r} has a single indicator ({x!r}), so its variance and the "
                    f"residual variance of {x!r} cannot both be estimated; fix the residual "
                    f"variance (e.g. '{x} ~~ 0*{x}') or add indicators"
                )
    p = len(indicators)
    if len(factors) == 1 and p < 3:
        raise ValueError(
            f"model: a one-factor model needs at least 3 indicators to be identified; "
            f"factor {factors[0]!r} has {p} ({', '.join(indicators)})"
        )
    n_free = int(table["free"].sum())
    moments = p * (p + 1) // 2
    if n_free > moments:
        raise ValueError(
            f"model: not identified: it has {n_free} free parameters but the {p} indicators give "
            f"only {moments} variances and covariances (degrees of freedom {moments - n_free})"
        )
