# Thin wrappers: R arguments in, base R data.frames (or lists of them) out.
# Every statistic is computed by the Python package.

.path <- function(x, what) {
  if (!is.character(x) || length(x) != 1L || is.na(x)) stop(what, " must be one file or folder path", call. = FALSE)
  normalizePath(x, mustWork = FALSE)
}
.keep_class <- function(x, cls, from) {
  attr(x, "python") <- attr(from, "python")  # the Python object, for later method calls
  class(x) <- c(cls, "list")
  x
}


read_openface <- function(path, confidence = 0.75, face_id = NULL, fps = NULL, columns = NULL) {
  .call("read_openface", list(path_or_buffer = .path(path, "path"), confidence = confidence,
                              face_id = .face_id(face_id), fps = fps,
                              columns = .chr_list(columns)))
}


extract_features <- function(manifest, fps = 25, n_jobs = 1L, errors = c("raise", "collect"),
                             pattern = NULL, confidence = 0.75, min_valid_fraction = 0.5) {
  errors <- match.arg(errors)
  if (is.character(manifest)) manifest <- .path(manifest, "manifest")
  out <- .call("extract_features", list(manifest = manifest, fps = fps, n_jobs = .int_arg(n_jobs),
                                        errors = errors, pattern = pattern, confidence = confidence,
                                        min_valid_fraction = min_valid_fraction, progress = FALSE))
  list(features = out$features, failures = out$failures, missing = out$missing)
}


icc <- function(data, targets = NULL, raters = NULL, ratings = NULL, forms = NULL, confidence = 0.95,
                nan_policy = c("available", "omit", "raise")) {
  nan_policy <- match.arg(nan_policy)
  .call("icc", list(data = data, targets = .str_or_list(targets),
                    raters = raters, ratings = ratings, forms = .chr_list(forms), confidence = confidence,
                    nan_policy = nan_policy))
}


icc_table <- function(ratings, items, by = "task", targets = "clip", raters = NULL, form = "ICC(1,k)",
                      confidence = 0.95) {
  .call("icc_table", list(data = ratings, items = .chr_list(items), by = by,
                          targets = .str_or_list(targets),
                          raters = raters, form = .str_or_list(form),
                          confidence = confidence))
}


cfa <- function(data, model, backend = c("semopy", "lavaan"), std_lv = FALSE,
                nan_policy = c("raise", "omit")) {
  backend <- match.arg(backend)
  nan_policy <- match.arg(nan_policy)
  if (!is.character(model) || length(model) != 1L) stop("model must be one lavaan model string", call. = FALSE)
  res <- .call_keep("cfa", list(data = data, model = model, backend = backend, std_lv = std_lv,
                                nan_policy = nan_policy))
  out <- list(loadings = res$loadings, variances = res$variances, covariances = res$covariances,
              fit = res$fit, warnings = as.character(unlist(res$warnings)), converged = isTRUE(res$converged))
  .keep_class(out, "bitbox_cfa", res)
}


print.bitbox_cfa <- function(x, ...) {
  cat("CFA (bitbox-stats):", nrow(x$loadings), "loadings;",
      if (x$converged) "converged" else "NOT converged", "\n")
  print(x$loadings[, intersect(c("factor", "indicator", "estimate", "se", "std_all"), names(x$loadings))])
  if (length(x$warnings)) cat("Warnings:\n", paste0("  ", x$warnings, collapse = "\n"), "\n")
  invisible(x)
}


factor_scores <- function(fit, data = NULL, method = c("bartlett", "regression")) {
  method <- match.arg(method)
  if (!inherits(fit, "bitbox_cfa")) stop("fit must be the result of cfa()", call. = FALSE)
  .call_method(fit, "factor_scores", list(data = data, method = method))
}


expressiveness_scores <- function(ratings, items = c("response", "emotion", "motion"), by = "task",
                                  clip = "clip", rater = "rater", backend = c("semopy", "lavaan"),
                                  method = c("bartlett", "regression")) {
  backend <- match.arg(backend)
  method <- match.arg(method)
  out <- .call("expressiveness_scores", list(ratings = ratings, items = .chr_list(items), by = by,
                                             clip = .str_or_list(clip),
                                             rater = rater, backend = backend, method = method))
  list(loadings = out$loadings, fit = out$fit, scores = out$scores, rater_scores = out$rater_scores,
       warnings = as.character(unlist(out$warnings)))
}


elasticnet_grid <- function(data, features, target, groups = "subject",
                            alphas = c(0.01, 0.05, 0.1, 0.5, 1.0), l1_ratios = seq(0, 1, by = 0.1),
                            selection = c("validation", "group_kfold"), sizes = c(0.6, 0.2, 0.2),
                            id_columns = NULL, seed = NULL) {
  selection <- match.arg(selection)
  out <- .call("elasticnet_grid", list(data = data, features = .chr_list(features), target = target,
                                       groups = groups, alphas = .num_list(alphas),
                                       l1_ratios = .num_list(l1_ratios), selection = selection,
                                       sizes = .num_list(sizes), id_columns = .chr_list(id_columns),
                                       seed = .int_arg(seed)))
  best <- data.frame(alpha = as.numeric(out$best[[1]]), l1_ratio = as.numeric(out$best[[2]]))
  list(grid = out$grid, best = best, weights = out$weights, predictions = out$predictions,
       test_metrics = out$test_metrics, split = out$split)
}


cluster_bootstrap <- function(data, truth, predictions, cluster = "subject", metrics = c("nrmse", "pearson_r"),
                              n_boot = 2000L, confidence = 0.95, seed = NULL,
                              ci = c("percentile", "bca", "boot_perc"), reference = NULL, pairwise = TRUE,
                              nan_policy = c("raise", "omit")) {
  ci <- match.arg(ci)
  nan_policy <- match.arg(nan_policy)
  out <- .call_keep("cluster_bootstrap", list(
    data = data, truth = truth, predictions = .chr_list(predictions), cluster = cluster,
    metrics = .chr_list(metrics), n_boot = .int_arg(n_boot), confidence = confidence,
    seed = .int_arg(seed), ci = ci, reference = reference,
    pairwise = pairwise, nan_policy = nan_policy))
  list(table = out$table, replicates = .call_method(out, "replicates"))
}


simulate_study <- function(n_subjects = 140L, tasks = c("startle", "pain", "disgust"), fps = 25,
                           n_raters = 6L, seed = NULL) {
  out <- .call_keep("simulate_study", list(n_subjects = .int_arg(n_subjects), tasks = .chr_list(tasks),
                                           fps = fps, n_raters = .int_arg(n_raters),
                                           seed = .int_arg(seed)))
  res <- list(manifest = out$manifest, ratings = out$ratings, truth = out$truth, weights = out$weights,
              items = out$items)
  .keep_class(res, "bitbox_study", out)
}


print.bitbox_study <- function(x, ...) {
  cat("Simulated study (bitbox-stats):", length(unique(x$manifest$subject)), "subjects,",
      nrow(x$manifest), "videos,", nrow(x$truth), "clips,", nrow(x$ratings), "ratings\n")
  invisible(x)
}


study_frames <- function(study, subject, task) {
  if (!inherits(study, "bitbox_study")) stop("study must be the result of simulate_study()", call. = FALSE)
  .call_method(study, "frames", list(subject = subject, task = task))
}


write_study <- function(study, folder, overwrite = FALSE) {
  if (!inherits(study, "bitbox_study")) stop("study must be the result of simulate_study()", call. = FALSE)
  .call("write_study", list(study = attr(study, "python"), folder = .path(folder, "folder"),
                            overwrite = overwrite))
}


run_study <- function(source = NULL, ratings = NULL, fps = 25, seed = 2020L, n_boot = 2000L,
                      ci = c("percentile", "bca", "boot_perc"), backend = c("semopy", "lavaan"),
                      n_jobs = 1L, n_subjects = 140L, out = NULL, overwrite = FALSE,
                      scores = c("bartlett", "regression"), heywood = c("bound", "regression", "raise")) {
  ci <- match.arg(ci)
  backend <- match.arg(backend)
  scores <- match.arg(scores)
  heywood <- match.arg(heywood)
  if (inherits(source, "bitbox_study")) {
    source <- attr(source, "python")
  } else if (is.character(source)) {
    source <- .path(source, "source")
  } else if (!is.null(source) && !is.data.frame(source)) {
    stop("source must be NULL, simulate_study()'s result, a manifest data.frame, or a path", call. = FALSE)
  }
  if (is.character(ratings)) ratings <- .path(ratings, "ratings")
  res <- .call_keep("run_study", list(source = source, ratings = ratings, fps = fps, seed = .int_arg(seed),
                                      n_boot = .int_arg(n_boot), ci = ci, backend = backend,
                                      n_jobs = .int_arg(n_jobs), n_subjects = .int_arg(n_subjects),
                                      scores = scores, heywood = heywood, progress = FALSE))
  result <- list(table1 = res$table1, table2 = res$table2, table3 = res$table3, table4 = res$table4,
                 summary = .call_method(res, "summary"), features = res$features, labels = res$labels,
                 predictions = res$predictions, weights = res$models$weights, grid = res$models$grid,
                 excluded = res$excluded, failures = res$failures, timings = res$timings,
                 adjustments = res$adjustments)
  if (!is.null(res$truth$recovery)) result$recovery <- res$truth$recovery
  if (!is.null(out)) {
    folder <- .call_method(res, "save", list(folder = .path(out, "out"), overwrite = overwrite))
    result$report <- file.path(normalizePath(out), "report.html")
  }
  result
}
