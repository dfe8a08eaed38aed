# Which Python the package finds, what it says when none works, and the version check.
# Each case runs in a fresh R process (callr), since Python starts once per session.

sf <- data.frame(j1 = c(9, 6, 8, 7, 10, 6), j2 = c(2, 1, 4, 1, 5, 2),
                 j3 = c(5, 3, 6, 2, 6, 4), j4 = c(8, 2, 8, 6, 9, 7))

# A fresh R session: RETICULATE_PYTHON unset unless given, virtual environments under `root`.
fresh_r <- function(fun, args = list(), root = tempfile("venvs-"), reticulate_python = NULL) {
  dir.create(root, showWarnings = FALSE)
  # reticulate put the test Python's bin folder first on this process's PATH: not in the child's
  path <- strsplit(Sys.getenv("PATH"), .Platform$path.sep, fixed = TRUE)[[1]]
  path <- path[normalizePath(path, mustWork = FALSE) != normalizePath(dirname(Sys.getenv("RETICULATE_PYTHON")), mustWork = FALSE)]
  env <- c(callr::rcmd_safe_env(), R_LIBS = Sys.getenv("R_LIBS"), WORKON_HOME = root,
           PATH = paste(path, collapse = .Platform$path.sep),
           RETICULATE_VIRTUALENV_ROOT = root, BBS_RETICULATE_PYTHON = if (is.null(reticulate_python)) "" else reticulate_python)
  callr::r(function(fun, args) {
    Sys.unsetenv(c("RETICULATE_PYTHON", "RETICULATE_PYTHON_ENV", "RETICULATE_PYTHON_FALLBACK", "VIRTUAL_ENV",
                   "PYTHONPATH", "PYTHONHOME", "R_SESSION_INITIALIZED"))
    if (nzchar(Sys.getenv("BBS_RETICULATE_PYTHON"))) Sys.setenv(RETICULATE_PYTHON = Sys.getenv("BBS_RETICULATE_PYTHON"))
    do.call(fun, args)
  }, args = list(fun = fun, args = args), env = env)
}

# A stand-in for the environment install_bitbox_stats() makes, without the download: a
# virtual environment whose site-packages reach the test Python's (bitbox_stats and its
# dependencies). Only its location and name matter to the package.
fake_env <- function(root, name = "r-bitboxstats") {
  test_python <- Sys.getenv("RETICULATE_PYTHON")
  ask <- function(code) system2(test_python, c("-c", shQuote(code)), stdout = TRUE)
  base <- ask("import sys; print(sys._base_executable)")
  site <- ask("import sysconfig; print(sysconfig.get_paths()['purelib'])")
  path <- file.path(root, name)
  stopifnot(system2(base, c("-m", "venv", "--without-pip", shQuote(path))) == 0L)
  own_site <- system2(file.path(path, "bin", "python"),
                      c("-c", shQuote("import sysconfig; print(sysconfig.get_paths()['purelib'])")), stdout = TRUE)
  writeLines(sprintf("import site; site.addsitedir(%s)", encodeString(site, quote = "'")),
             file.path(own_site, "bitbox-test-link.pth"))
  path
}

test_that("the environment made by install_bitbox_stats() is found when RETICULATE_PYTHON is unset", {
  root <- tempfile("venvs-")
  dir.create(root)
  env <- fake_env(root)
  got <- fresh_r(function(sf) {
    library(bitboxstats)
    out <- icc(sf)
    list(python = reticulate::py_config()$python, icc = out$icc)
  }, list(sf = sf), root = root)
  expect_identical(normalizePath(got$python), normalizePath(file.path(env, "bin", "python")))
  expect_equal(got$icc[1], 0.1657418, tolerance = 1e-6)  # Shrout & Fleiss (1979): ICC(1,1) = .17
})

test_that("RETICULATE_PYTHON comes before that environment", {
  root <- tempfile("venvs-")
  dir.create(root)
  fake_env(root)
  got <- fresh_r(function(sf) {
    library(bitboxstats)
    icc(sf)
    reticulate::py_config()$python
  }, list(sf = sf), root = root, reticulate_python = Sys.getenv("RETICULATE_PYTHON"))
  expect_identical(normalizePath(got), normalizePath(Sys.getenv("RETICULATE_PYTHON")))
})

test_that("without bitbox_stats anywhere, the message lists what was tried and says to run install_bitbox_stats()", {
  msg <- fresh_r(function(sf) {
    library(bitboxstats)
    tryCatch(icc(sf), error = function(e) conditionMessage(e))
  }, list(sf = sf))
  expect_match(msg, "Tried, in this order")
  expect_match(msg, "RETICULATE_PYTHON / use_bitbox_python(): not set", fixed = TRUE)
  expect_match(msg, "r-bitboxstats' made by install_bitbox_stats(): does not exist", fixed = TRUE)
  expect_match(msg, "reticulate's own choice")
  expect_match(msg, "No module named 'bitbox_stats'", fixed = TRUE)
  expect_match(msg, "Run bitboxstats::install_bitbox_stats()", fixed = TRUE)
  expect_false(grepl("pip install|Traceback|py_last_error", msg))
})

test_that("a RETICULATE_PYTHON without bitbox_stats gives a message that names it and works", {
  other <- if (file.exists("/usr/bin/python3")) "/usr/bin/python3" else Sys.which("python3")
  msg <- fresh_r(function() {
    library(bitboxstats)
    tryCatch(expressivity(c(1, 2, 3, 2, 1)), error = function(e) conditionMessage(e))
  }, reticulate_python = other)
  expect_match(msg, sprintf("RETICULATE_PYTHON / use_bitbox_python(): '%s'; it cannot import bitbox_stats", other),
               fixed = TRUE)
  expect_match(msg, "not tried, RETICULATE_PYTHON comes first")
  expect_match(msg, "install_bitbox_stats()", fixed = TRUE)
  expect_false(grepl("pip install|Traceback", msg))
})

test_that("a Python package of another version is a clear error that says to run install_bitbox_stats() again", {
  msg <- fresh_r(function(sf) {
    library(bitboxstats)
    reticulate::py_run_string("import bitbox_stats; bitbox_stats.__version__ = '0.0.1'")
    tryCatch(icc(sf), error = function(e) conditionMessage(e))
  }, list(sf = sf), reticulate_python = Sys.getenv("RETICULATE_PYTHON"))
  r_version <- as.character(packageVersion("bitboxstats"))
  expect_match(msg, sprintf("bitboxstats %s (R) needs the Python package bitbox-stats %s", r_version, r_version),
               fixed = TRUE)
  expect_match(msg, "has bitbox-stats 0.0.1", fixed = TRUE)
  expect_match(msg, "install_bitbox_stats(", fixed = TRUE)
})

test_that("use_bitbox_python checks its argument", {
  expect_error(use_bitbox_python(1), "path of a Python executable")
  expect_error(use_bitbox_python("/no/such/python"), "no such file")
})
