# The tests need the Python package; a missing piece fails them (never skips).
if (!bitbox_available()) {
  stop(paste0("bitbox_stats cannot be imported from Python (RETICULATE_PYTHON = '",
              Sys.getenv("RETICULATE_PYTHON"), "'); run the tests through `make test`"))
}

# Run Python code that leaves a DataFrame called `out`, and read it back through a
# CSV file: an independent route for comparing the package's own conversions.
python_frame <- function(code, ...) {
  path <- tempfile(fileext = ".csv")
  on.exit(unlink(path))
  reticulate::py_run_string(paste0(code, "\nout.to_csv(r'", path, "', index=False)\n"), ...)
  utils::read.csv(path, stringsAsFactors = FALSE)
}

expect_frame_equal <- function(got, want, tolerance = 1e-10) {
  expect_s3_class(got, "data.frame")
  expect_identical(names(got), names(want))
  expect_identical(nrow(got), nrow(want))
  for (col in names(want)) {
    if (is.numeric(want[[col]])) {
      expect_equal(as.numeric(got[[col]]), as.numeric(want[[col]]), tolerance = tolerance,
                   info = col)
    } else {
      expect_identical(as.character(got[[col]]), as.character(want[[col]]), info = col)
    }
  }
}
