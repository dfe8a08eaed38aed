fixture <- system.file("extdata", "OpenFace_Test.csv", package = "bitboxstats")

test_that("read_openface reads the real OpenFace 2.0 file like Python does", {
  got <- read_openface(fixture)
  expect_identical(nrow(got), 100L)
  expect_type(got$valid, "logical")
  expect_type(got$frame, "integer")
  expect_true("gaze_angle_x" %in% names(got))
  want <- python_frame(paste0(
    "import bitbox_stats as bs\n",
    "out = bs.read_openface(r'", fixture, "')"))
  expect_frame_equal(got[, c("frame", "confidence", "x_0", "AU04_c", "gaze_angle_x")],
                     want[, c("frame", "confidence", "x_0", "AU04_c", "gaze_angle_x")])
  strict <- read_openface(fixture, confidence = 0.9)
  expect_identical(sum(!strict$valid), 99L)
  expect_true(all(is.na(strict$x_0[!strict$valid])))
  expect_error(read_openface(tempfile()), "No such file|no such file|not found")
})

test_that("elasticnet_grid and cluster_bootstrap equal Python's with the same seed", {
  set.seed(4)
  d <- data.frame(subject = rep(sprintf("S%02d", 1:30), each = 4), a = rnorm(120), b = rnorm(120))
  d$y <- 0.8 * d$a - 0.3 * d$b + rnorm(120, sd = 0.5)
  path <- tempfile(fileext = ".csv")
  utils::write.csv(d, path, row.names = FALSE)
  en <- elasticnet_grid(d, c("a", "b"), "y", seed = 3)
  want <- python_frame(paste0(
    "import pandas as pd, bitbox_stats as bs\n",
    "d = pd.read_csv(r'", path, "')\n",
    "out = bs.elasticnet_grid(d, ['a', 'b'], 'y', seed=3).weights"))
  expect_frame_equal(en$weights, want, tolerance = 1e-12)
  expect_identical(names(en$best), c("alpha", "l1_ratio"))
  d$m1 <- d$y + rnorm(120, sd = 0.4)
  d$m2 <- d$y + rnorm(120, sd = 0.8)
  utils::write.csv(d, path, row.names = FALSE)
  bs <- cluster_bootstrap(d, "y", c("m1", "m2"), n_boot = 500, seed = 11)
  want <- python_frame(paste0(
    "import pandas as pd, bitbox_stats as bs\n",
    "d = pd.read_csv(r'", path, "')\n",
    "out = bs.cluster_bootstrap(d, 'y', ['m1', 'm2'], n_boot=500, seed=11).table"))
  expect_frame_equal(bs$table, want, tolerance = 1e-12)
  expect_identical(nrow(bs$replicates), 500L * 3L * 2L)
  expect_error(cluster_bootstrap(d, "y", c("m1"), n_boot = 0), "n_boot must be >= 1")
})

test_that("missing values and column types survive the round trip through Python", {
  d <- data.frame(s = c("a", NA, "c"), x = c(1.5, NA, 3), flag = c(TRUE, NA, FALSE), n = c(1L, NA, 3L),
                  stringsAsFactors = FALSE)
  bridge <- bitboxstats:::.bridge()
  py <- reticulate::import("bitbox_stats._r")
  enc <- bitboxstats:::.encode(d)
  back <- bitboxstats:::.decode(py$result_to_r(py$frame_from_r(enc[[1]]$names, enc[[1]]$kinds, enc[[1]]$values,
                                                               enc[[1]]$missing)))
  expect_identical(back$s, d$s)
  expect_identical(back$x, d$x)
  expect_identical(back$flag, d$flag)
  expect_identical(back$n, d$n)
})
