# install_bitbox_stats(): the checks that come before any download. The installation
# itself (tarball -> install_bitbox_stats() -> README examples) is tested from a built
# tarball in tests/test_r_package.py, which `make test` runs.

test_that("the installed R package carries the Python sources of its own version", {
  src <- system.file("python", "bitbox-stats", package = "bitboxstats")
  expect_true(file.exists(file.path(src, "pyproject.toml")))
  expect_true(file.exists(file.path(src, "bitbox_stats", "_r.py")))
  toml <- readLines(file.path(src, "pyproject.toml"))
  expect_true(sprintf('version = "%s"', packageVersion("bitboxstats")) %in% toml)
})

test_that("a suitable Python >= 3.11 is found on this machine", {
  info <- bitboxstats:::.find_python()
  expect_true(info$ok)
  expect_true(numeric_version(info$version) >= "3.11")
  expect_true(file.exists(info$python))
})

test_that("bad arguments are refused before anything is created", {
  root <- tempfile("venvs-")
  expect_error(install_bitbox_stats(envname = NA), "envname must be")
  expect_error(install_bitbox_stats(envname = c("a", "b")), "envname must be")
  expect_error(install_bitbox_stats(extras = "gpu"), "extras: unknown extra 'gpu'; available: dask")
  expect_error(install_bitbox_stats(file.path(root, "e"), python = "/no/such/python"), "python: no such file")
  old <- tempfile("python")
  writeLines(c("#!/bin/sh", "echo /opt/old/python; echo 3.9.2; echo venv; echo shared; echo ssl"), old)
  Sys.chmod(old, "0755")
  expect_error(install_bitbox_stats(file.path(root, "e"), python = old), "is Python 3.9.2; bitbox-stats needs 3.11 or newer")
  broken <- tempfile("python")
  writeLines(c("#!/bin/sh", "exit 3"), broken)
  Sys.chmod(broken, "0755")
  expect_error(install_bitbox_stats(file.path(root, "e"), python = broken), "does not run as Python")
  expect_false(file.exists(root))
})

test_that("a folder that is not a virtual environment is left alone", {
  folder <- tempfile("not-a-venv-")
  dir.create(folder)
  writeLines("mine", file.path(folder, "notes.txt"))
  expect_error(install_bitbox_stats(folder), "exists but is not a virtual environment; it is left as it is")
  expect_identical(list.files(folder, all.files = TRUE, no.. = TRUE), "notes.txt")
  expect_identical(readLines(file.path(folder, "notes.txt")), "mine")
})
