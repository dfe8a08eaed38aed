facet_file <- system.file("extdata", "iMotions_Test_v6.txt", package = "bitboxstats")
feat_file <- system.file("extdata", "Feat_Test.csv", package = "bitboxstats")

test_that("read_frames reads a FACET export like Python does, with the reading's facts", {
  got <- read_frames(facet_file)
  expect_identical(nrow(got), 519L)
  expect_type(got$frame, "integer")
  expect_type(got$valid, "logical")
  expect_identical(attr(got, "format"), "facet")
  expect_equal(attr(got, "fps"), 29.973, tolerance = 1e-4)
  expect_identical(attr(got, "reading")$n_invalid, 215L)
  want <- python_frame(paste0(
    "import bitbox_stats as bs\n",
    "out = bs.read_frames(r'", facet_file, "')"))
  cols <- c("frame", "timestamp", "AU12_evidence", "joy_evidence", "yaw_degrees")
  expect_frame_equal(got[, cols], want[, cols])
  expect_identical(got$valid, want$valid == "True")
  expect_true(all(is.na(got$AU12_evidence[!got$valid])))
})

test_that("read_frames writes FaceReader logs as FaceReader does and reads them back", {
  path <- tempfile(fileext = ".txt")
  lines <- c("Video analysis detailed log", "", "Face Model:\tGeneral", "Frame rate:\t25", "",
             "Video Time\tNeutral\tHappy\tAction Unit 12 - Lip Corner Puller",
             "00:00:00.000\t0.9\t0.1\tNotActive",
             "00:00:00.040\tFIND_FAILED\tFIND_FAILED\tFIND_FAILED",
             "00:00:00.080\t0.2\t0.8\tD")
  writeBin(charToRaw(paste0(paste(lines, collapse = "\r"), "\r")), path)  # CR line ends, as FaceReader
  got <- read_frames(path)
  expect_identical(attr(got, "format"), "facereader")
  expect_identical(got$frame, 1:3)
  expect_identical(got$valid, c(TRUE, FALSE, TRUE))
  expect_identical(got$AU12_r, c(0, NA, 4))
  expect_identical(attr(got, "reading")$n_find_failed, 1L)
  expect_error(read_frames(path, face_id = 1), "face_id applies to OpenFace and py-feat")
})

test_that("read_frames and read_openface take the face choices", {
  f <- read_frames(feat_file, fps = 30)
  expect_identical(f$frame, 1L)
  expect_identical(attr(f, "fps"), 30)
  of <- read_openface(system.file("extdata", "OpenFace_Test.csv", package = "bitboxstats"), face_id = "all")
  expect_identical(unique(of$face_id), 0L)
  expect_error(read_frames(feat_file, format = "noldus"), "format must be one of")
  expect_error(read_frames(feat_file, face_id = 1.5), "face_id must be one whole number")
})

test_that("extract_features on OpenFace files with only some outputs lists what is missing", {
  folder <- tempfile("partial")
  dir.create(folder)
  n <- 400
  d <- data.frame(frame = seq_len(n), timestamp = (seq_len(n) - 1) / 25, confidence = 0.95, success = 1L,
                  pose_Rx = sin(seq_len(n) / 20), AU12_c = rep(c(0, 1), n / 2), AU12_r = rep(c(0, 2.5), n / 2))
  utils::write.csv(d, file.path(folder, "S1_pain.csv"), row.names = FALSE)
  res <- suppressWarnings(extract_features(folder))
  expect_identical(nrow(res$features), 7L)
  expect_true(all(is.na(res$features$points_displacement)))
  expect_false(anyNA(res$features$pitch_displacement[1:3]))
  expect_equal(res$features$au_intensity[1], 2.5)
  expect_setequal(res$missing$group, c("landmarks", "gaze", "head_translation", "yaw", "roll"))
  expect_identical(unique(res$missing$subject), "S1")
})
