test_that("a Python without bitbox_stats gives a clear setup message, not a traceback", {
  system_python <- Sys.which("python3")
  other <- if (file.exists("/usr/bin/python3")) "/usr/bin/python3" else system_python
  msg <- callr::r(function() {
    library(bitboxstats)
    tryCatch(expressivity(c(1, 2, 3, 2, 1)), error = function(e) conditionMessage(e))
  }, env = c(callr::rcmd_safe_env(), RETICULATE_PYTHON = other, R_LIBS = Sys.getenv("R_LIBS")))
  expect_match(msg, "bitboxstats needs Python")
  expect_match(msg, "use_bitbox_python")
  expect_match(msg, "RETICULATE_PYTHON")
  expect_false(grepl("Traceback", msg))
})

test_that("use_bitbox_python checks its argument", {
  expect_error(use_bitbox_python(1), "path of a Python executable")
  expect_error(use_bitbox_python("/no/such/python"), "no such file")
})

test_that("Python errors from bad arguments reach R as R errors with the Python message", {
  err <- tryCatch(expressivity(c(1, 3, 2, 4, 1), fps = -5), error = function(e) e)
  expect_s3_class(err, "error")
  expect_match(conditionMessage(err), "fps must be > 0")
  expect_false(grepl("Traceback|py_call_impl", conditionMessage(err)))
})
