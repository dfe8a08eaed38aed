# Bitbox's other measures: asymmetry, motion, coordination and imitation, surrogate tests.
# Every statistic is computed by the Python package; R only reshapes the tidy tables into
# Bitbox's list shapes when tidy = FALSE.

# Signals as a data.frame: a matrix's or vector's unnamed columns become signal_0, signal_1, ...
.as_frame <- function(x, what) {
  if (is.list(x) && !is.data.frame(x) && !is.null(x[["type"]])) return(x)  # a Bitbox-style list
  if (is.numeric(x) && is.null(dim(x))) x <- matrix(x, ncol = 1L)
  if (is.array(x) && length(dim(x)) == 3L) {  # (frames, landmarks, dimension)
    d <- dim(x)
    x <- matrix(aperm(x, c(1L, 3L, 2L)), nrow = d[1L])
  }
  if (is.matrix(x)) {
    named <- !is.null(colnames(x))
    x <- as.data.frame(x)
    if (!named) names(x) <- paste0("signal_", seq_len(ncol(x)) - 1L)
  }
  if (!is.data.frame(x)) {
    stop(what, " must be a data.frame, a matrix, a numeric vector or a Bitbox-style list ",
         "(list(data = <data.frame>, type = ...))", call. = FALSE)
  }
  x
}

.int_list <- function(x) if (is.null(x)) NULL else as.list(as.integer(x))


asymmetry <- function(landmarks, normalize = TRUE, dimension = NULL, backend = NULL, tidy = TRUE) {
  out <- .call("asymmetry", list(landmarks = .as_frame(landmarks, "landmarks"), normalize = normalize,
                                 dimension = .int_arg(dimension), backend = backend, tidy = TRUE))
  if (tidy) return(out)
  regions <- c("eye", "brow", "nose", "mouth", "overall")
  wide <- matrix(out$asymmetry, ncol = length(regions), byrow = TRUE, dimnames = list(NULL, regions))
  as.data.frame(wide)
}


.motion <- function(name, data, args, tidy, items) {
  out <- .call(name, c(list(data = .as_frame(data, "data")), args, list(tidy = TRUE)))
  if (tidy) return(out)
  res <- lapply(unname(items), function(col) out[[col]])
  names(res) <- names(items)
  res
}


motion_kinematics <- function(data, fps = 30, angular = FALSE, type = NULL, dimension = NULL, tidy = TRUE,
                              nan_policy = c("propagate", "raise", "interpolate")) {
  nan_policy <- match.arg(nan_policy)
  .motion("motion_kinematics", data,
          list(fps = fps, angular = angular, type = type, dimension = .int_arg(dimension),
               nan_policy = nan_policy), tidy,
          c(range = "range", path = "path_length", speed = "speed", acceleration = "acceleration"))
}


motion_smoothness <- function(data, fps = 30, angular = FALSE, type = NULL, dimension = NULL, tidy = TRUE,
                              nan_policy = c("propagate", "raise", "interpolate")) {
  nan_policy <- match.arg(nan_policy)
  .motion("motion_smoothness", data,
          list(fps = fps, angular = angular, type = type, dimension = .int_arg(dimension),
               nan_policy = nan_policy), tidy,
          c(jerk = "jerk", ldj = "log_dimensionless_jerk"))
}


relative_motion <- function(data, reference = "mean", angular = FALSE, type = NULL, dimension = NULL,
                            tidy = TRUE, nan_policy = c("propagate", "raise", "interpolate")) {
  nan_policy <- match.arg(nan_policy)
  if (!identical(reference, "mean")) {
    if (!is.numeric(reference) || anyNA(reference) || any(reference != round(reference))) {
      stop("reference must be \"mean\" or frame indices (whole numbers, 0-based as in Python)", call. = FALSE)
    }
    reference <- .int_list(reference)
  }
  .motion("relative_motion", data,
          list(reference = reference, angular = angular, type = type, dimension = .int_arg(dimension),
               nan_policy = nan_policy), tidy,
          c(min = "min", mean = "mean", std = "std", max = "max"))
}


.pair_matrix <- function(out, col) {
  xs <- unique(out$x_signal)
  ys <- unique(out$y_signal)
  matrix(out[[col]], nrow = length(xs), byrow = TRUE, dimnames = list(xs, ys))
}

.window_array <- function(out, col) {
  xs <- unique(out$x_signal)
  ys <- unique(out$y_signal)
  n_win <- length(unique(out$window))
  aperm(array(out[[col]], dim = c(length(ys), length(xs), n_win),
              dimnames = list(ys, xs, NULL)), c(3L, 2L, 1L))
}

.windowed <- function(name, X, Y, args, stats, tidy) {
  out <- .call(name, c(list(X = .as_frame(X, "X"), Y = .as_frame(Y, "Y")), args,
                       list(stats = stats, tidy = TRUE)))
  if (tidy) return(out)
  if (stats) {
    return(list(corr_mean = .pair_matrix(out, "corr_mean"), corr_std = .pair_matrix(out, "corr_std"),
                corr_lag = .pair_matrix(out, "lag_mean_s")))
  }
  list(corrs = .window_array(out, "corr"), lags = .window_array(out, "lag_s"))
}


coordination <- function(X, Y, width = 0.5, lag = NULL, step = NULL, fps = 30, stats = TRUE, polarity = TRUE,
                         angular = TRUE, type = NULL, dimension = NULL, tidy = TRUE) {
  .windowed("coordination", X, Y,
            list(width = width, lag = lag, step = step, fps = fps, polarity = polarity, angular = angular,
                 type = type, dimension = .int_arg(dimension)), stats, tidy)
}


imitation <- function(X, Y, width = 0.5, lag = NULL, step = NULL, fps = 30, stats = TRUE, polarity = TRUE,
                      causality = TRUE, angular = TRUE, type = NULL, dimension = NULL, tidy = TRUE) {
  .windowed("imitation", X, Y,
            list(width = width, lag = lag, step = step, fps = fps, polarity = polarity, causality = causality,
                 angular = angular, type = type, dimension = .int_arg(dimension)), stats, tidy)
}


coordination_test <- function(X, Y, method = c("segments", "shift"), n_surrogates = 1000L, segment = NULL,
                              min_shift = NULL, measure = c("coordination", "imitation"), width = 0.5,
                              lag = NULL, step = NULL, fps = 30, polarity = TRUE, angular = TRUE,
                              causality = TRUE, type = NULL, dimension = NULL, seed = NULL, n_jobs = 1L) {
  method <- match.arg(method)
  measure <- match.arg(measure)
  out <- .call("coordination_test", list(
    X = .as_frame(X, "X"), Y = .as_frame(Y, "Y"), method = method, n_surrogates = .int_arg(n_surrogates),
    segment = segment, min_shift = min_shift, measure = measure, width = width, lag = lag, step = step,
    fps = fps, polarity = polarity, angular = angular, causality = causality, type = type,
    dimension = .int_arg(dimension), seed = .int_arg(seed), n_jobs = .int_arg(n_jobs),
    progress = FALSE))
  list(table = out$table, overall = out$overall, null_overall = as.numeric(unlist(out$null_overall)))
}


pseudo_dyad_test <- function(dyads, n_pseudo = NULL, measure = c("coordination", "imitation"), width = 0.5,
                             lag = NULL, step = NULL, fps = 30, polarity = TRUE, angular = TRUE,
                             causality = TRUE, type = NULL, dimension = NULL, seed = NULL, n_jobs = 1L) {
  measure <- match.arg(measure)
  if (!is.list(dyads) || is.data.frame(dyads)) {
    stop("dyads must be a list of dyads, each a list of two (X and Y)", call. = FALSE)
  }
  pairs <- lapply(seq_along(dyads), function(k) {
    d <- dyads[[k]]
    if (!is.list(d) || is.data.frame(d) || length(d) != 2L) {
      stop(sprintf("dyads[[%d]] must be a list of two: X and Y", k), call. = FALSE)
    }
    list(.as_frame(d[[1L]], "X"), .as_frame(d[[2L]], "Y"))
  })
  names(pairs) <- names(dyads)
  res <- .call_keep("pseudo_dyad_test", list(
    dyads = pairs, n_pseudo = .int_arg(n_pseudo), measure = measure, width = width, lag = lag,
    step = step, fps = fps, polarity = polarity, angular = angular, causality = causality, type = type,
    dimension = .int_arg(dimension), seed = .int_arg(seed), n_jobs = .int_arg(n_jobs),
    progress = FALSE))
  list(table = res$table, overall = res$overall, pseudo_dyads = res$pseudo_dyads,
       summary = .call_method(res, "summary"))
}
