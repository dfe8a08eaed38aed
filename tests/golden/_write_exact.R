# Shared helper for the golden-value scripts: write a data frame to CSV with
# every number at full double precision (17 significant digits), so that the
# Python tests can compare to 1e-10 and tighter.
write_exact <- function(df, path) {
  df <- as.data.frame(df, stringsAsFactors = FALSE)
  for (name in names(df)) {
    v <- df[[name]]
    if (is.factor(v)) {
      df[[name]] <- as.character(v)
    } else if (is.numeric(v)) {
      v <- as.numeric(v)
      df[[name]] <- ifelse(is.na(v), NA_character_, sprintf("%.17g", v))
    }
  }
  write.csv(df, path, row.names = FALSE, na = "NA")
}
