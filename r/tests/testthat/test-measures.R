fixture <- system.file("extdata", "OpenFace_Test.csv", package = "bitboxstats")

smoothed <- function(n, seed) {
  set.seed(seed)
  walk <- cumsum(rnorm(n + 9))
  (walk[10:(n + 9)] - walk[1:n]) / 9
}

test_that("asymmetry equals Python's, tidy and in Bitbox's wide shape", {
  got <- asymmetry(read_openface(fixture))
  expect_s3_class(got, "data.frame")
  expect_identical(names(got), c("frame", "region", "asymmetry"))
  expect_type(got$frame, "integer")
  want <- python_frame(paste0(
    "import bitbox_stats as bs\n",
    "out = bs.asymmetry(bs.read_openface(r'", fixture, "'), tidy=True)"))
  expect_frame_equal(got, want)
  wide <- asymmetry(read_openface(fixture), dimension = 3, normalize = FALSE, tidy = FALSE)
  want <- python_frame(paste0(
    "import bitbox_stats as bs\n",
    "out = bs.asymmetry(bs.read_openface(r'", fixture, "'), dimension=3, normalize=False)"))
  expect_frame_equal(wide, want)
  expect_error(asymmetry(read_openface(fixture), dimension = 3), "normalize=False")
})

test_that("a Bitbox-style list and an array give the same asymmetry as a matrix", {
  set.seed(3)
  m <- matrix(rnorm(5 * 102), nrow = 5)
  colnames(m) <- as.vector(t(outer(0:50, c("x", "y"), function(i, a) paste0(a, i))))
  a <- asymmetry(m)
  b <- asymmetry(list(data = as.data.frame(m), type = "landmark", dimension = 2, schema = "ibug51"))
  arr <- aperm(array(t(m), dim = c(2, 51, 5)), c(3, 2, 1))  # (frames, landmarks, 2)
  expect_equal(a, b)
  expect_equal(asymmetry(arr), a)
})

test_that("motion measures equal Python's; tidy = FALSE gives Bitbox's lists", {
  frames <- read_openface(fixture)
  k <- motion_kinematics(frames, fps = 25, type = "pose", angular = TRUE)
  want <- python_frame(paste0(
    "import bitbox_stats as bs\n",
    "out = bs.motion_kinematics(bs.read_openface(r'", fixture, "'), fps=25, type='pose', angular=True, ",
    "tidy=True)"))
  expect_frame_equal(k, want)
  s <- motion_smoothness(frames, fps = 25, type = "landmark", tidy = FALSE)
  expect_identical(names(s), c("jerk", "ldj"))
  expect_length(s$jerk, 51L)
  r <- relative_motion(frames, type = "pose", reference = c(0, 10), tidy = FALSE)
  expect_identical(names(r), c("min", "mean", "std", "max"))
  want <- python_frame(paste0(
    "import bitbox_stats as bs, pandas as pd\n",
    "r = bs.relative_motion(bs.read_openface(r'", fixture, "'), type='pose', reference=[0, 10])\n",
    "out = pd.DataFrame({'v': [float(v) for v in r]})"))
  expect_equal(unlist(r, use.names = FALSE), want$v, tolerance = 1e-12)
  expect_error(relative_motion(frames, type = "pose", reference = 1.5), "whole numbers")
})

test_that("coordination and imitation equal Python's and recover a known lag", {
  x <- data.frame(smile = smoothed(900, 1), brow = smoothed(900, 2))
  y <- data.frame(smile = c(rep(0, 6), x$smile[1:894]))
  got <- coordination(x, y, width = 2, lag = 0.5)
  expect_identical(names(got), c("x_signal", "y_signal", "corr_mean", "corr_std", "lag_mean_s", "n_windows",
                                 "n_used"))
  expect_equal(got$lag_mean_s[1], 0.2, tolerance = 1e-12)
  path_x <- tempfile(fileext = ".csv")
  path_y <- tempfile(fileext = ".csv")
  utils::write.csv(x, path_x, row.names = FALSE)
  utils::write.csv(y, path_y, row.names = FALSE)
  want <- python_frame(paste0(
    "import pandas as pd, bitbox_stats as bs\n",
    "x, y = pd.read_csv(r'", path_x, "'), pd.read_csv(r'", path_y, "')\n",
    "out = bs.coordination(x, y, width=2, lag=0.5, tidy=True)"))
  expect_frame_equal(got, want)
  m <- coordination(x, y, width = 2, lag = 0.5, tidy = FALSE)
  expect_identical(dimnames(m$corr_mean), list(c("smile", "brow"), "smile"))
  expect_equal(m$corr_lag["smile", "smile"], 0.2)
  w <- imitation(y, x, width = 2, lag = 0.5, stats = FALSE, tidy = FALSE)
  expect_identical(dim(w$corrs), c(28L, 1L, 2L))
  long <- imitation(y, x, width = 2, lag = 0.5, stats = FALSE)
  expect_equal(as.vector(aperm(w$lags, c(3, 2, 1))), long$lag_s)
  expect_true(all(abs(w$lags[, 1, 1] + 0.2) < 1e-12))
})

test_that("surrogate tests equal Python's with the same seed", {
  x <- data.frame(smile = smoothed(600, 3))
  y <- data.frame(smile = c(rep(0, 6), x$smile[1:594]) + smoothed(600, 4) * 0.1)
  res <- coordination_test(x, y, method = "shift", n_surrogates = 19L, width = 2, lag = 0.5, seed = 5)
  expect_identical(res$table$p_value, 1 / 20)
  expect_length(res$null_overall, 19L)
  path_x <- tempfile(fileext = ".csv")
  path_y <- tempfile(fileext = ".csv")
  utils::write.csv(x, path_x, row.names = FALSE)
  utils::write.csv(y, path_y, row.names = FALSE)
  want <- python_frame(paste0(
    "import pandas as pd, bitbox_stats as bs\n",
    "x, y = pd.read_csv(r'", path_x, "'), pd.read_csv(r'", path_y, "')\n",
    "out = bs.coordination_test(x, y, method='shift', n_surrogates=19, width=2, lag=0.5, seed=5, ",
    "progress=False).table"))
  expect_frame_equal(res$table, want)
  dyads <- lapply(1:3, function(k) list(data.frame(a = smoothed(400, 10 + k)), data.frame(a = smoothed(400, 20 + k))))
  names(dyads) <- c("p", "q", "r")
  pd <- pseudo_dyad_test(dyads, width = 1, lag = 0.2)
  expect_identical(pd$overall$dyad, c("p", "q", "r"))
  expect_identical(nrow(pd$pseudo_dyads), 6L)
  expect_identical(pd$summary$dyad[4], "all")
  expect_error(pseudo_dyad_test(list(dyads$p)), "at least 2 dyads")
})
