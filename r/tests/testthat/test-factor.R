hs <- lavaan::HolzingerSwineford1939
three <- "visual =~ x1 + x2 + x3\n textual =~ x4 + x5 + x6\n speed =~ x7 + x8 + x9"

test_that("cfa's standardised loadings equal lavaan on both backends", {
  ref_fit <- lavaan::cfa(three, data = hs)
  ref <- lavaan::standardizedSolution(ref_fit)
  ref <- ref[ref$op == "=~", ]
  fit <- cfa(hs[, paste0("x", 1:9)], three)
  expect_s3_class(fit, "bitbox_cfa")
  expect_s3_class(fit$loadings, "data.frame")
  expect_true(fit$converged)
  expect_identical(fit$loadings$indicator, ref$rhs)
  expect_equal(fit$loadings$std_all, ref$est.std, tolerance = 1e-6)
  ref_fm <- lavaan::fitMeasures(ref_fit, c("chisq", "df", "cfi", "tli", "rmsea", "srmr"))
  expect_equal(fit$fit$chi2, unname(ref_fm["chisq"]), tolerance = 1e-6)
  expect_equal(fit$fit$rmsea, unname(ref_fm["rmsea"]), tolerance = 1e-6)
  expect_equal(fit$fit$cfi, unname(ref_fm["cfi"]), tolerance = 1e-6)
})

test_that("backend = 'lavaan' explains that R users call lavaan directly", {
  expect_error(cfa(hs, three, backend = "lavaan"), "cannot run inside an R session")
})

test_that("Bartlett scores with std.lv equal lavPredict", {
  model <- "f =~ x4 + x5 + x6"
  ref_fit <- lavaan::cfa(model, data = hs, std.lv = TRUE)
  ref <- lavaan::lavPredict(ref_fit, method = "Bartlett")
  fit <- cfa(hs, model, std_lv = TRUE)
  expect_equal(fit$loadings$estimate, lavaan::parameterEstimates(ref_fit)$est[1:3], tolerance = 1e-5)
  sc <- factor_scores(fit, method = "bartlett")
  expect_s3_class(sc, "data.frame")
  expect_equal(sc$f, as.numeric(ref[, "f"]), tolerance = 1e-5)
  expect_type(sc$scored, "logical")
  reg <- factor_scores(fit, hs[1:5, ], method = "regression")
  expect_equal(reg$f, as.numeric(lavaan::lavPredict(ref_fit, newdata = hs[1:5, ], method = "regression")),
               tolerance = 1e-5)
})

test_that("cfa errors are R errors with the Python message", {
  expect_error(cfa(hs, "f =~ x1 + nope + x3"), "nope")
  expect_error(cfa(hs, c("a", "b")), "one lavaan model string")
  expect_error(factor_scores(list()), "result of cfa")
})

test_that("expressiveness_scores gives Table 2, the labels and the rater scores", {
  st <- simulate_study(20, seed = 6)
  es <- expressiveness_scores(st$ratings, clip = c("subject", "clip"))
  expect_identical(sort(unique(es$loadings$fit)), c("all", "disgust", "pain", "startle"))
  expect_true(all(es$loadings$loading > 0.7))
  expect_identical(nrow(es$scores), nrow(st$truth))
  expect_gt(cor(merge(es$scores, st$truth)[, c("score_task", "latent")])[1, 2], 0.8)
  expect_true(all(c("rater", "score_task", "score_all") %in% names(es$rater_scores)))
})
