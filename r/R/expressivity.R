
expressivity <- function(activations, scales = NULL, aggregate = FALSE, robust = TRUE, fps = 30,
                         axis = 0L, nan_policy = "raise") {
  if (is.numeric(activations) && is.null(dim(activations))) {
    activations <- data.frame(signal_0 = activations)
  }
  if (!is.data.frame(activations) && !is.matrix(activations)) {
    stop("activations must be a data.frame, a matrix or a numeric vector", call. = FALSE)
  }
  if (is.matrix(activations)) {
    activations <- as.data.frame(activations)
    if (is.null(colnames(activations)) || all(grepl("^V[0-9]+$", names(activations)))) {
      names(activations) <- paste0("signal_", seq_len(ncol(activations)) - 1L)
    }
  }
  scales <- .as_scales(scales)
  .call("expressivity", list(activations = activations, axis = .int_arg(axis), scales = scales,
                             aggregate = aggregate, robust = robust, fps = fps, tidy = TRUE,
                             nan_policy = nan_policy))
}


diversity <- function(activations, scales = NULL, aggregate = FALSE, robust = TRUE, fps = 30,
                      magnitude = TRUE, axis = 0L, nan_policy = "raise") {
  scales <- .as_scales(scales)
  .call("diversity", list(activations = activations, axis = .int_arg(axis), scales = scales,
                          aggregate = aggregate, robust = robust, fps = fps, magnitude = magnitude,
                          tidy = TRUE, nan_policy = nan_policy))
}
