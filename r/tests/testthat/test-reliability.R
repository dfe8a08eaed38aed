sf <- matrix(c(9, 2, 5, 8,
               6, 1, 3, 2,
               8, 4, 6, 8,
               7, 1, 2, 6,
               10, 5, 6, 9,
               6, 2, 4, 7), ncol = 4, byrow = TRUE,
             dimnames = list(NULL, c("j1", "j2", "j3", "j4")))

test_that("icc equals psych::ICC on the Shrout & Fleiss (1979) example", {
  ref <- suppressWarnings(psych::ICC(sf, lmer = FALSE))$results
  got <- icc(as.data.frame(sf))
  expect_s3_class(got, "data.frame")
  expect_type(got$type, "character")
  expect_type(got$icc, "double")
  expect_type(got$df1, "double")
  expect_identical(got$type, c("ICC(1,1)", "ICC(2,1)", "ICC(3,1)", "ICC(1,k)", "ICC(2,k)", "ICC(3,k)"))
  expect_equal(got$icc, ref$ICC, tolerance = 1e-10)
  expect_equal(got$f, ref$F, tolerance = 1e-10)
  expect_equal(got$df1, ref$df1, tolerance = 1e-10)
  expect_equal(got$df2, ref$df2, tolerance = 1e-10)
  expect_equal(got$pval, ref$p, tolerance = 1e-10)
  expect_equal(got$ci_low, ref$`lower bound`, tolerance = 1e-10)
  expect_equal(got$ci_high, ref$`upper bound`, tolerance = 1e-10)
  expect_equal(round(got$icc[c(1, 4)], 2), c(0.17, 0.44))  # as published
})

test_that("icc on long data with a larger simulated design equals psych::ICC", {
  set.seed(3)
  n <- 60; k <- 5
  wide <- matrix(rnorm(n, sd = 2), n, k) + matrix(rnorm(k), n, k, byrow = TRUE) + rnorm(n * k)
  long <- data.frame(target = rep(seq_len(n), k), rater = rep(paste0("r", seq_len(k)), each = n),
                     rating = as.vector(wide))
  ref <- suppressWarnings(psych::ICC(wide, lmer = FALSE))$results
  got <- icc(long, targets = "target", raters = "rater", ratings = "rating")
  expect_equal(got$icc, ref$ICC, tolerance = 1e-10)
  expect_equal(got$ci_low, ref$`lower bound`, tolerance = 1e-10)
  expect_equal(got$ci_high, ref$`upper bound`, tolerance = 1e-10)
})

test_that("icc_table equals Python's and bad input gives the Python message", {
  st <- simulate_study(10, seed = 4)
  got <- icc_table(st$ratings, c("response", "emotion", "motion"), targets = c("subject", "clip"))
  path <- tempfile(fileext = ".csv")
  utils::write.csv(st$ratings, path, row.names = FALSE)
  want <- python_frame(paste0(
    "import pandas as pd, bitbox_stats as bs\n",
    "r = pd.read_csv(r'", path, "')\n",
    "out = bs.icc_table(r, ['response', 'emotion', 'motion'], targets=['subject', 'clip'])"))
  expect_frame_equal(got, want)
  expect_error(icc_table(st$ratings, c("response", "nothing")), "nothing")
  expect_error(icc(as.data.frame(sf), confidence = 2), "confidence must be strictly between 0 and 1")
})
