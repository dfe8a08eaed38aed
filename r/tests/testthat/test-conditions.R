# The R side behaves like R: Python warnings are R warnings, Python errors are R errors
# with the Python message, NA and non-whole numbers are refused, masking is documented.

sf <- data.frame(j1 = c(9, 6, 8, 7, 10, 6), j2 = c(2, 1, 4, 1, 5, 2),
                 j3 = c(5, 3, 6, 2, 6, 4), j4 = c(8, 2, 8, 6, 9, 7))
incomplete <- within(sf, j4[5] <- NA)  # icc warns: the two-way forms are NaN

test_that("Python warnings are R warnings: expect_warning, suppressWarnings and tryCatch work", {
  expect_warning(icc(incomplete), "the data are incomplete", class = "bitboxstats_warning")
  expect_warning(icc(incomplete), class = "bitboxstats_UserWarning")
  expect_no_warning(out <- suppressWarnings(icc(incomplete)))
  expect_equal(nrow(out), 6L)
  caught <- tryCatch(icc(incomplete), warning = function(w) w)
  expect_s3_class(caught, "warning")
  expect_match(conditionMessage(caught), "two-way forms ICC\\(2,\\*\\) and ICC\\(3,\\*\\) are NaN")
  expect_null(conditionCall(caught))
  expect_no_warning(icc(sf))
})

test_that("Python errors are R errors carrying the Python message, without traceback", {
  missing_file <- file.path(tempdir(), "no-such-openface.csv")
  err <- tryCatch(read_openface(missing_file), error = function(e) e)
  expect_s3_class(err, "bitboxstats_error")
  expect_s3_class(err, "bitboxstats_FileNotFoundError")
  want <- reticulate::py_eval(sprintf(
    "__import__('bitbox_stats._r', fromlist=['x'])._guarded(__import__('bitbox_stats').read_openface, %s)['error']['message']",
    encodeString(normalizePath(missing_file, mustWork = FALSE), quote = "'")))
  expect_identical(conditionMessage(err), want)
  expect_null(conditionCall(err))
  bad <- tryCatch(icc(sf, forms = "ICC(9,9)"), error = function(e) e)
  expect_s3_class(bad, "bitboxstats_ValueError")
  expect_match(conditionMessage(bad), "^forms: unknown ICC form 'ICC\\(9,9\\)'")
  for (e in list(err, bad)) {
    expect_false(grepl("Traceback|py_call_impl|py_last_error|File \"|Error:", conditionMessage(e)))
  }
})

test_that("NA arguments are a clear R error naming the argument", {
  x <- c(1, 3, 2, 4, 1, 2, 5, 1, 2, 3)
  expect_error(expressivity(x, fps = NA), "^fps must not be NA$")
  expect_error(expressivity(x, fps = NA_real_), "^fps must not be NA$")
  expect_error(simulate_study(4, seed = NA), "^seed must not be NA$")
  expect_error(simulate_study(NA_integer_), "^n_subjects must not be NA$")
  expect_error(icc(sf, confidence = NA), "^confidence must not be NA$")
  expect_error(icc(sf, forms = c("ICC(1,1)", NA)), "^forms must not contain NA$")
  d <- data.frame(s = rep(1:10, each = 2), y = sin(1:20), m = cos(1:20))
  expect_error(cluster_bootstrap(d, "y", "m", cluster = "s", n_boot = NA), "^n_boot must not be NA$")
})

test_that("non-whole numbers where Python wants an integer are refused as in Python", {
  d <- data.frame(s = rep(1:10, each = 2), y = sin(1:20), m = cos(1:20))
  expect_error(cluster_bootstrap(d, "y", "m", cluster = "s", n_boot = 2.7), "n_boot must be an integer, got float 2.7")
  expect_error(simulate_study(4, seed = 1.5), "seed must be .*an integer.*got float 1.5")
  expect_error(simulate_study(4.5, seed = 1L), "n_subjects must be an integer, got float 4.5")
  # whole numbers typed as R doubles are integers, also beyond R's integer range
  expect_identical(simulate_study(4, seed = 2)$truth, simulate_study(4L, seed = 2L)$truth)
  big <- simulate_study(3, tasks = "pain", seed = 3e9)$truth
  want <- python_frame(paste0("import bitbox_stats as bs\n",
                              "out = bs.simulate_study(3, tasks=('pain',), seed=3000000000).truth"))
  expect_frame_equal(big, want)
})

test_that("a row named in an error says it is 0-based", {
  signals <- data.frame(a = sin(seq_len(200) / 5), b = cos(seq_len(200) / 5))
  signals$b[10] <- NA  # R's row 10 is Python's row 9
  expect_error(expressivity(signals, scales = 3), "signal 'b' .* in row 9 \\(0-based\\)")
})

test_that("the help of cfa says that it masks lavaan::cfa and shows bitboxstats::cfa", {
  rd <- tools::Rd_db("bitboxstats")[["cfa.Rd"]]
  text <- paste(capture.output(tools::Rd2txt(rd, options = list(underline_titles = FALSE))), collapse = "\n")
  expect_match(text, "masks")
  expect_match(text, "lavaan::cfa", fixed = TRUE)
  expect_match(text, "bitboxstats::cfa(", fixed = TRUE)
})

test_that("with lavaan attached after bitboxstats, bitboxstats::cfa still reaches the package's cfa", {
  got <- callr::r(function() {
    suppressPackageStartupMessages({
      library(bitboxstats)
      library(lavaan)
    })
    hs <- lavaan::HolzingerSwineford1939
    fit <- bitboxstats::cfa(hs, "f =~ x4 + x5 + x6", std_lv = TRUE)
    list(masked_by = environmentName(environment(cfa)), class = class(fit),
         std = fit$loadings$std_all,
         lavaan = lavaan::standardizedSolution(lavaan::cfa("f =~ x4 + x5 + x6", data = hs, std.lv = TRUE))$est.std[1:3])
  }, env = c(callr::rcmd_safe_env(), R_LIBS = Sys.getenv("R_LIBS"), RETICULATE_PYTHON = Sys.getenv("RETICULATE_PYTHON")))
  expect_identical(got$masked_by, "lavaan")
  expect_identical(got$class, c("bitbox_cfa", "list"))
  expect_equal(got$std, got$lavaan, tolerance = 1e-5)
})
