# Data frames cross to Python as plain per-column lists with explicit missing
# masks: Debian's reticulate (1.28) converts neither pandas 3 DataFrames nor
# NumPy 2 arrays, and it would turn NA integers, strings and logicals into
# valid Python values.

.column_kind <- function(x) {
  if (is.logical(x)) "logical"
  else if (is.integer(x) && !is.factor(x)) "integer"
  else if (is.numeric(x)) "double"
  else "character"
}

.encode_frame <- function(df) {
  df <- as.data.frame(df, stringsAsFactors = FALSE)
  kinds <- vapply(df, .column_kind, "")
  values <- lapply(seq_along(df), function(j) {
    x <- df[[j]]
    miss <- is.na(x)
    x <- switch(kinds[[j]], character = as.character(x), x)
    x[miss] <- switch(kinds[[j]], logical = FALSE, integer = 0L, double = NaN, character = "")
    as.list(unname(x))
  })
  missing <- lapply(df, function(x) as.list(unname(is.na(x))))
  list(`__frame__` = list(names = as.list(names(df)), kinds = as.list(unname(kinds)),
                          values = values, missing = unname(missing)))
}

.encode <- function(x) {
  if (is.data.frame(x)) return(.encode_frame(x))
  if (is.matrix(x)) return(.encode_frame(as.data.frame(x)))
  if (is.list(x)) return(lapply(x, .encode))
  if (is.factor(x)) x <- as.character(x)
  x
}

.empty_vector <- function(kind) {
  switch(kind, double = numeric(0), integer = integer(0), logical = logical(0), character = character(0))
}

.decode_frame <- function(f) {
  n <- f$n
  cols <- lapply(seq_along(f$names), function(j) {
    kind <- f$kinds[[j]]
    v <- f$values[[j]]
    if (length(v) == 0L) return(.empty_vector(kind))
    v <- unlist(v, use.names = FALSE)
    v <- switch(kind, double = as.numeric(v), integer = as.integer(v),
                logical = as.logical(v), character = as.character(v))
    miss <- unlist(f$missing[[j]], use.names = FALSE)
    v[miss] <- NA
    v
  })
  names(cols) <- unlist(f$names, use.names = FALSE)
  out <- as.data.frame(cols, stringsAsFactors = FALSE, check.names = FALSE)
  if (length(cols) == 0L && !is.null(n)) out <- data.frame(row.names = seq_len(n))
  rownames(out) <- NULL
  out
}

.decode <- function(x) {
  if (is.list(x)) {
    if (!is.null(x[["__frame__"]])) return(.decode_frame(x[["__frame__"]]))
    cls <- x[["__class__"]]
    x[["__class__"]] <- NULL
    out <- lapply(x, .decode)
    if (!is.null(cls)) attr(out, "python_class") <- cls
    return(out)
  }
  x
}

# Vectors meant as lists in Python even when they have one element.
.chr_list <- function(x) if (is.null(x)) NULL else as.list(as.character(x))
.num_list <- function(x) if (is.null(x)) NULL else as.list(as.numeric(x))
# One column name as a string, several as a list.
.str_or_list <- function(x) if (length(x) > 1L) .chr_list(x) else x
# A whole number as an integer for Python (R's 2000 is a double). Anything else goes to
# Python unchanged, which refuses it as it would from Python (e.g. n_boot = 2.7); NA is
# refused before that, naming the argument (.check_na).
.int_arg <- function(x) {
  if (!is.double(x) || length(x) != 1L || is.na(x) || !is.finite(x) || x != round(x)) return(x)
  if (abs(x) <= .Machine$integer.max) return(as.integer(x))
  list(`__int__` = sprintf("%.0f", x))  # beyond R's integers: sent as text, exact up to 2^53
}

# Bitbox's scales: NULL, a whole number (how many scales), or durations in seconds
# (a list or a vector of length > 1, or a single non-whole number).
.as_scales <- function(scales) {
  if (is.null(scales)) return(NULL)
  if (is.list(scales)) return(lapply(scales, as.numeric))
  if (length(scales) == 1L && is.numeric(scales) && !is.na(scales) && scales == round(scales)) {
    return(as.integer(scales))
  }
  .num_list(scales)
}
