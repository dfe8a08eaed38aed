test_that("simulate_study returns typed data.frames and frames on demand", {
  st <- simulate_study(4, seed = 2)
  expect_s3_class(st, "bitbox_study")
  expect_type(st$ratings$response, "integer")
  expect_type(st$ratings$rater, "character")
  expect_type(st$truth$latent, "double")
  fr <- study_frames(st, "S002", "pain")
  expect_identical(ncol(fr), 714L)
  expect_type(fr$success, "integer")
  expect_error(study_frames(st, "S099", "pain"), "no video for subject 'S099'")
})

test_that("run_study from R equals run_study in Python for the same seed", {
  st <- simulate_study(24, seed = 5)
  res <- run_study(st, seed = 9L, n_boot = 200L)
  expect_true(all(c("table1", "table2", "table3", "table4", "summary", "recovery") %in% names(res)))
  want <- python_frame(paste0(
    "import bitbox_stats as bs\n",
    "res = bs.run_study(bs.simulate_study(24, seed=5), seed=9, n_boot=200, progress=False)\n",
    "out = res.table3"))
  expect_frame_equal(res$table3, want)
  want4 <- python_frame(paste0(
    "import bitbox_stats as bs\n",
    "res = bs.run_study(bs.simulate_study(24, seed=5), seed=9, n_boot=200, progress=False)\n",
    "out = res.table4"))
  expect_frame_equal(res$table4, want4)
  expect_type(res$table4$pval, "double")
  expect_type(res$table3$n, "integer")
  expect_identical(names(res$adjustments), c("fit", "item", "estimate", "action", "fixed_at", "note"))
  expect_error(run_study(st, seed = 9L, n_boot = 200L, heywood = "ignore"), "should be one of")
})

test_that("run_study writes its report and reads written files", {
  st <- simulate_study(12, tasks = c("disgust", "startle"), seed = 8)
  folder <- file.path(tempdir(), "bbs-study-files")
  unlink(folder, recursive = TRUE)
  manifest <- write_study(st, folder)
  expect_identical(manifest$path[1], "openface/S001_disgust.csv")
  out <- file.path(tempdir(), "bbs-study-out")
  unlink(out, recursive = TRUE)
  res <- run_study(folder, seed = 1L, n_boot = 50L, out = out)
  expect_true(file.exists(res$report))
  expect_error(run_study(folder, seed = 1L, n_boot = 50L, out = out), "exists and is not empty")
  ex <- extract_features(file.path(folder, "openface"))
  expect_identical(nrow(ex$features), 12L * (4L + 5L))
  expect_identical(nrow(ex$failures), 0L)
})
