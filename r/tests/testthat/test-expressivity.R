signals <- local({
  set.seed(11)
  t <- seq_len(900)
  bump <- function(centre, height) height * exp(-0.5 * ((t - centre) / 8)^2)
  data.frame(
    brow = bump(150, 1) + bump(500, 2) + rnorm(900, sd = 0.05),
    mouth = bump(300, 1.5) + bump(700, 0.5) + rnorm(900, sd = 0.05)
  )
})

test_that("expressivity returns a typed data.frame equal to Python's", {
  got <- expressivity(signals, scales = 3, fps = 30)
  expect_s3_class(got, "data.frame")
  expect_identical(rownames(got), as.character(seq_len(nrow(got))))
  expect_type(got$signal, "character")
  expect_type(got$frequency, "integer")
  expect_type(got$density, "double")
  path <- tempfile(fileext = ".csv")
  utils::write.csv(signals, path, row.names = FALSE)
  want <- python_frame(paste0(
    "import pandas as pd, bitbox_stats as bs\n",
    "x = pd.read_csv(r'", path, "')\n",
    "out = bs.expressivity(x, scales=3, fps=30, tidy=True)"))
  expect_frame_equal(got, want)
})

test_that("scales accept a count, a vector of durations and NULL", {
  expect_equal(unique(expressivity(signals, scales = 6)$scale), c(0.1, 0.88, 1.66, 2.44, 3.22, 4.0))
  expect_equal(unique(expressivity(signals, scales = c(0.5, 1))$scale), c(0.5, 1))
  raw <- expressivity(signals)
  expect_true(all(is.na(raw$scale)))
  expect_identical(raw$level, c("raw", "raw"))
  agg <- expressivity(signals, scales = 4, aggregate = TRUE)
  expect_identical(agg$level, c("aggregate", "aggregate"))
})

test_that("missing values: an error by default, interpolated on request", {
  x <- signals
  x$brow[10] <- NA
  expect_error(expressivity(x), "signal 'brow'.*in row 9 \\(0-based\\)")
  out <- expressivity(x, nan_policy = "interpolate")
  expect_identical(out$n_missing, c(1L, 0L))
})

test_that("a matrix and a vector work", {
  m <- as.matrix(signals)
  expect_identical(expressivity(m)$signal, c("brow", "mouth"))
  v <- expressivity(signals$brow, scales = 3)
  expect_identical(nrow(v), 3L)
})

test_that("diversity returns per-scale entropies", {
  d <- diversity(signals, scales = c(0.5, 1))
  expect_identical(names(d), c("level", "scale", "scale_min", "scale_max", "overall", "frame_wise"))
  expect_true(all(d$overall >= 0 & d$overall <= 1))
})
