"""No R code runs from a user's model text (issue: safety, part 1).

lavaan reads parts of its model syntax as R expressions (modifiers such as
``start()``, ``:=``, constraints) and splits statements on ``;`` and line breaks,
so a model whose comment hides ``; x4 ~~ start(<R code>)*x4`` runs that code when
the text reaches lavaan (shown live below). bitbox_stats never sends the text: it
parses the model itself and hands lavaan a parameter table as vectors.

Every hostile model here goes through ``cfa(..., backend="lavaan")`` and through
the CLI; each is either refused before R sees it or fits exactly what
:func:`parse_model` read; none may create the marker file that R's
``file.create()`` would make.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bitbox_stats import cli
from bitbox_stats.factor import CFAWarning, cfa, lavaan_backend, parse_model

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def hs():
    return pd.read_csv(GOLDEN / "holzinger_swineford_1939.csv")


@pytest.fixture()
def marker(tmp_path):
    # R code in the hostile models creates this file; no spaces needed in the path
    path = tmp_path / "pwned"
    assert " " not in str(path)
    yield path
    assert not path.exists(), "R code from a model string was run"


def _payload(marker: Path) -> str:
    return f'file.create("{marker}")'


# Models that must be refused; "{R}" is replaced by R code that creates the marker file.
REFUSED = {
    "comment then semicolon on a new line": "f =~ x4 + x5 + x6\n; x4 ~~ start({R})*x4",
    "start() modifier": "f =~ x4 + x5 + x6\nx4 ~~ start({R})*x4",
    "start() on a loading": "f =~ x4 + start({R})*x5 + x6",
    "equal() modifier": "f =~ x4 + equal({R})*x5 + x6",
    "label() modifier": "f =~ x4 + label({R})*x5 + x6",
    "lower() modifier": "f =~ x4 + x5 + x6\nx4 ~~ lower({R})*x4",
    "upper() modifier": "f =~ x4 + x5 + x6\nx4 ~~ upper({R})*x4",
    "prior() modifier": "f =~ x4 + prior({R})*x5 + x6",
    "c() modifier": "f =~ x4 + c({R}, 1)*x5 + x6",
    "bare call as modifier": "f =~ x4 + {R}*x5 + x6",
    "parenthesised call": "f =~ x4 + ({R})*x5 + x6",
    "arithmetic modifier": "f =~ x4 + 1+{R}*x5 + x6",
    "two modifiers": "f =~ x4 + 1*start({R})*x5 + x6",
    "defined parameter": "f =~ x4 + x5 + x6\nd := {R}",
    "equality constraint": "f =~ a*x4 + b*x5 + x6\na == {R}",
    "inequality <": "f =~ a*x4 + x5 + x6\na < {R}",
    "inequality >": "f =~ a*x4 + x5 + x6\na > {R}",
    "regression": "f =~ x4 + x5 + x6\nx4 ~ {R}",
    "double-quoted name": 'f =~ x4 + x5 + "x6"',
    "single-quoted name": "f =~ x4 + x5 + 'x6'",
    "backticks": "f =~ x4 + x5 + `{R}`",
    "quoted label": 'f =~ x4 + "{R}"*x5 + x6',
    "lone carriage return ends a comment": "f =~ x4 + x5 + x6 # note\rx4 ~~ start({R})*x4",
    "U+2028 line separator": "f =~ x4 + x5 + x6 # note\u2028x4 ~~ start({R})*x4",
    "U+2029 paragraph separator": "f =~ x4 + x5 + x6 # note\u2029x4 ~~ start({R})*x4",
    "U+0085 next line": "f =~ x4 + x5 + x6 # note\x85x4 ~~ start({R})*x4",
    "vertical tab": "f =~ x4 + x5 + x6 # note\x0bx4 ~~ start({R})*x4",
    "form feed": "f =~ x4 + x5 + x6 # note\x0cx4 ~~ start({R})*x4",
    "NUL character": "f =~ x4 + x5 + x6\x00; x4 ~~ start({R})*x4",
    "R code as a variable name": "f =~ x4 + x5 + {R}",
    "R code as the factor": "{R} =~ x4 + x5 + x6",
    "hex number": "f =~ x4 + 0x1*x5 + x6",
    "infinite value": "f =~ x4 + 1e999*x5 + x6",
    "semicolon and call, no comment": "f =~ x4 + x5 + x6; x4 ~~ start({R})*x4",
    "name not in the data": "f =~ x4 + x5 + system",
}

# Models that are fitted; the value is what parse_model must read (factors, loadings).
ACCEPTED = {
    "the reported attack: comment hides '; start()'": (
        "f =~ x4 + x5 + x6 # ; x4 ~~ start({R})*x4",
        {"f": ("x4", "x5", "x6")}, ()),
    "'!' comment hides a call": (
        "f =~ x4 + x5 + x6 ! x4 ~~ start({R})*x4",
        {"f": ("x4", "x5", "x6")}, ()),
    "comment with quotes and backticks": (
        "f =~ x4 + x5 + x6 + x7  # `x4` ~~ \"{R}\"\nx4 ~~ x5",
        {"f": ("x4", "x5", "x6", "x7")}, (("x4", "x5"),)),
    "Windows line ends": (
        "f =~ x4 + x5 + x6 + x7 # {R}\r\nx4 ~~ x5\r\n",
        {"f": ("x4", "x5", "x6", "x7")}, (("x4", "x5"),)),
    "comment on its own line, statements split by ';'": (
        "# {R}\nf =~ x4 + x5; f =~ x6",
        {"f": ("x4", "x5", "x6")}, ()),
    "non-ASCII in a comment": (
        "f =~ x4 + x5 + x6  # Ausdrucksst\u00e4rke \u2014 {R}",
        {"f": ("x4", "x5", "x6")}, ()),
}


def _refused_cases():
    return [pytest.param(model, id=name) for name, model in REFUSED.items()]


def _accepted_cases():
    return [pytest.param(model, factors, covs, id=name) for name, (model, factors, covs) in ACCEPTED.items()]


def test_the_attack_runs_when_lavaan_reads_the_text(hs, tmp_path):
    # The reason for all of this: lavaan itself evaluates the hidden call. If this ever
    # stops holding, the accepted cases below no longer prove anything and need a new attack.
    ro = lavaan_backend.require_r_package("lavaan")
    path = tmp_path / "shown"
    model = ACCEPTED["the reported attack: comment hides '; start()'"][0].replace("{R}", _payload(path))
    run = ro.r("function(model, x, names) { d <- as.data.frame(matrix(x, ncol = length(names))); "
               "names(d) <- names; invisible(lavaan::cfa(model, data = d)) }")
    x = hs[["x4", "x5", "x6"]].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run(ro.StrVector([model]), ro.FloatVector(x.ravel(order="F").tolist()),
            ro.StrVector(["x4", "x5", "x6"]))
    assert path.exists()


@pytest.mark.parametrize("template", _refused_cases())
def test_hostile_models_are_refused_before_r_starts(hs, marker, template, monkeypatch):
    model = template.replace("{R}", _payload(marker))

    def no_r(*args, **kwargs):
        raise AssertionError("R was called for a model that must be refused")

    monkeypatch.setattr(lavaan_backend, "fit", no_r)
    with pytest.raises(ValueError, match="model|column|indicator"):
        cfa(hs, model, backend="lavaan")


@pytest.mark.parametrize("template", _refused_cases())
def test_hostile_models_are_refused_by_the_cli(hs, marker, template, tmp_path, capsys):
    model = template.replace("{R}", _payload(marker))
    data = tmp_path / "hs.csv"
    hs.to_csv(data, index=False)
    out = tmp_path / "out"
    code = cli.main(["cfa", "--input", str(data), "--model", model, "--out", str(out), "--backend", "lavaan"])
    assert code == 2
    assert "error" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(("template", "factors", "covariances"), _accepted_cases())
def test_hostile_looking_models_fit_exactly_what_was_parsed(hs, marker, template, factors, covariances):
    model = template.replace("{R}", _payload(marker))
    spec = parse_model(model)
    assert spec.factors == tuple(factors)
    for f, inds in factors.items():
        assert tuple(i for g, i, _ in spec.loadings if g == f) == inds
    assert tuple((a, b) for a, b, _ in spec.covariances) == covariances
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CFAWarning)
        lav = cfa(hs, model, backend="lavaan", std_lv=True)
        sem = cfa(hs, model, backend="semopy", std_lv=True)
    # the lavaan fit has exactly the parsed parameters, and equals the semopy fit of them
    assert list(lav.loadings["indicator"]) == [i for inds in factors.values() for i in inds]
    np.testing.assert_allclose(lav.loadings["std_all"], sem.loadings["std_all"], atol=1e-5)
    assert int(lav.fit["df"].iloc[0]) == int(sem.fit["df"].iloc[0])


@pytest.mark.parametrize(("template", "factors", "covariances"), _accepted_cases()[:2])
def test_hostile_looking_models_through_the_cli(hs, marker, template, factors, covariances, tmp_path):
    model = template.replace("{R}", _payload(marker))
    data = tmp_path / "hs.csv"
    hs.to_csv(data, index=False)
    out = tmp_path / "out"
    code = cli.main(["cfa", "--input", str(data), "--model", model, "--out", str(out), "--backend", "lavaan"])
    assert code == 0
    loadings = pd.read_csv(out / "loadings.csv")
    assert list(loadings["indicator"]) == ["x4", "x5", "x6"]


def test_column_names_reach_r_as_data(hs):
    # names that would be arguments of R's data.frame() if they were passed as argument names
    data = hs[["x4", "x5", "x6"]].set_axis(["row.names", "check.names", "stringsAsFactors"], axis=1)
    model = "f =~ row.names + check.names + stringsAsFactors"
    lav = cfa(data, model, backend="lavaan", std_lv=True)
    ref = cfa(hs, "f =~ x4 + x5 + x6", backend="lavaan", std_lv=True)
    np.testing.assert_allclose(lav.loadings["estimate"], ref.loadings["estimate"], rtol=1e-12)
    assert list(lav.loadings["indicator"]) == ["row.names", "check.names", "stringsAsFactors"]


def test_parameter_table_fits_equal_lavaans_reading_of_the_text(hs):
    # The table lavaan now receives is the one parse_model + parameter_table build. Fitting
    # lavaan on our own, trusted model texts shows that the defaults applied are lavaan's.
    ro = lavaan_backend.require_r_package("lavaan")
    run = ro.r("function(model, x, names, std_lv) { d <- as.data.frame(matrix(x, ncol = length(names))); "
               "names(d) <- names; fit <- lavaan::cfa(model, data = d, std.lv = std_lv); "
               "pe <- lavaan::parameterEstimates(fit); list(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, "
               "est = pe$est) }")
    names = [f"x{i}" for i in range(1, 10)]
    x = hs[names].to_numpy()
    models = [
        ("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\nx7 ~~ x8", False),
        ("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9", True),
        ("visual =~ NA*x1 + x2 + x3\nvisual ~~ 1*visual", False),
        ("f =~ x1 + 0.5*x2 + x3 + x4", False),
        ("a =~ x1 + x2 + x3\nb =~ x4 + x5 + x6\na ~~ 0*b", False),
    ]
    for model, std_lv in models:
        ref = run(ro.StrVector([model]), ro.FloatVector(x.ravel(order="F").tolist()), ro.StrVector(names),
                  ro.BoolVector([std_lv]))
        ref = {(str(a), str(o), str(b)): float(e) for a, o, b, e in
               zip(ref.rx2("lhs"), ref.rx2("op"), ref.rx2("rhs"), ref.rx2("est"), strict=True)}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CFAWarning)
            ours = cfa(hs, model, backend="lavaan", std_lv=std_lv)
        rows = pd.concat([
            ours.loadings.assign(lhs=ours.loadings["factor"], op="=~", rhs=ours.loadings["indicator"]),
            ours.variances.assign(lhs=ours.variances["variable"], op="~~", rhs=ours.variances["variable"]),
            ours.covariances.assign(lhs=ours.covariances["lhs"], op="~~", rhs=ours.covariances["rhs"]),
        ])
        assert len(rows) == len(ref), model
        for lhs, op, rhs, est in zip(rows["lhs"], rows["op"], rows["rhs"], rows["estimate"], strict=True):
            key = (lhs, op, rhs) if (lhs, op, rhs) in ref else (rhs, op, lhs)
            assert est == pytest.approx(ref[key], abs=1e-8), (model, key)
