# Golden values for the paper's label construction (tests/test_factor.py and
# the icc_table test in tests/test_reliability.py), on simulated crowd ratings.
#
# Run from the repository root:  Rscript tests/golden/expressiveness_lavaan.R
# Writes, beside this script:
#   expressiveness_ratings.csv       simulated ratings: subject, task, clip, rater, 3 items (0-4);
#                                    6 raters per clip, 5 for about 10% of the clips
#   expressiveness_cfa.csv           per task and over all tasks: lavaan::cfa(std.lv = TRUE) on the
#                                    clip means, standardised and unstandardised estimates
#   expressiveness_scores.csv        lavPredict(method = "Bartlett") per clip, per fit
#   expressiveness_rater_scores.csv  each rating row's answers weighted by the standardised loadings
#                                    (of its task's fit and of the all-task fit), summed, and z-scored
#   expressiveness_icc.csv           one-way ICC(1,1) and ICC(1,k) per task x item and over all
#                                    tasks, from aov() mean squares with n0 in place of k
suppressPackageStartupMessages(library(lavaan))
here <- "tests/golden"
source(file.path(here, "_write_exact.R"))

set.seed(20200918)
tasks <- c(startle = 5, pain = 7, disgust = 4)
motion_loading <- c(startle = 0.95, pain = 0.6, disgust = 0.8)
workers <- sprintf("w%02d", 1:40)
rows <- list()
for (subject in sprintf("s%03d", 1:40)) {
  for (task in names(tasks)) {
    for (clip in seq_len(tasks[[task]])) {
      eta <- rnorm(1)
      true <- c(response = 2 + 1.0 * eta, emotion = 2 + 0.9 * eta,
                motion = 2 + motion_loading[[task]] * eta + rnorm(1, sd = 0.4))
      n_r <- if (runif(1) < 0.1) 5 else 6
      for (w in sample(workers, n_r)) {
        ans <- pmin(pmax(round(true + rnorm(3, sd = 0.6)), 0), 4)
        rows[[length(rows) + 1]] <- data.frame(subject = subject, task = task, clip = clip,
                                               rater = w, response = ans[1], emotion = ans[2],
                                               motion = ans[3])
      }
    }
  }
}
ratings <- do.call(rbind, rows)
write_exact(ratings, file.path(here, "expressiveness_ratings.csv"))

items <- c("response", "emotion", "motion")
means <- aggregate(ratings[items], by = ratings[c("subject", "task", "clip")], FUN = mean)
# keep the order of first appearance, as the Python code does
first <- unique(ratings[c("subject", "task", "clip")])
means <- merge(first, means, sort = FALSE)
means <- means[order(match(paste(means$subject, means$task, means$clip),
                           paste(first$subject, first$task, first$clip))), ]
model <- "expressiveness =~ response + emotion + motion"

fits <- list()
for (task in names(tasks)) fits[[task]] <- means$task == task
fits[["all"]] <- rep(TRUE, nrow(means))
cfa_rows <- list(); score_rows <- list(); loading_of <- list()
for (fit_name in names(fits)) {
  d <- means[fits[[fit_name]], ]
  fit <- cfa(model, data = d, std.lv = TRUE)
  stopifnot(lavInspect(fit, "converged"))
  pe <- parameterEstimates(fit, standardized = TRUE)
  ld <- pe[pe$op == "=~", ]
  rv <- pe[pe$op == "~~" & pe$lhs == pe$rhs & pe$lhs %in% items, ]
  cfa_rows[[fit_name]] <- data.frame(
    fit = fit_name, item = ld$rhs, loading = ld$std.all,
    residual_variance = rv$std.all[match(ld$rhs, rv$lhs)], loading_unstd = ld$est,
    loading_se = ld$se, residual_variance_unstd = rv$est[match(ld$rhs, rv$lhs)])
  loading_of[[fit_name]] <- setNames(ld$std.all, ld$rhs)
  sc <- lavPredict(fit, method = "Bartlett")
  score_rows[[fit_name]] <- data.frame(fit = fit_name, subject = d$subject, task = d$task,
                                       clip = d$clip, score = sc[, 1])
}
write_exact(do.call(rbind, cfa_rows), file.path(here, "expressiveness_cfa.csv"))
write_exact(do.call(rbind, score_rows), file.path(here, "expressiveness_scores.csv"))

x <- as.matrix(ratings[items])
score_task <- numeric(nrow(ratings))
for (task in names(tasks)) {
  idx <- ratings$task == task
  score_task[idx] <- x[idx, ] %*% loading_of[[task]][items]
}
z_task <- ave(score_task, ratings$task, FUN = function(v) (v - mean(v)) / sd(v))
score_all <- as.vector(x %*% loading_of[["all"]][items])
write_exact(data.frame(subject = ratings$subject, task = ratings$task, clip = ratings$clip,
                       rater = ratings$rater, score_task = score_task, z_task = z_task,
                       score_all = score_all, z_all = (score_all - mean(score_all)) / sd(score_all)),
            file.path(here, "expressiveness_rater_scores.csv"))

icc_oneway_aov <- function(y, target) {
  target <- factor(target)
  tab <- summary(aov(y ~ target))[[1]]
  msb <- tab[1, "Mean Sq"]; msw <- tab[2, "Mean Sq"]
  df1 <- tab[1, "Df"]; df2 <- tab[2, "Df"]
  ni <- as.vector(table(target)); N <- sum(ni); a <- length(ni)
  n0 <- (N - sum(ni^2) / N) / (a - 1)
  f <- msb / msw
  fl <- f / qf(0.975, df1, df2); fu <- f * qf(0.975, df2, df1)
  data.frame(type = c("ICC(1,1)", "ICC(1,k)"),
             icc = c((msb - msw) / (msb + (n0 - 1) * msw), (msb - msw) / msb),
             ci_low = c((fl - 1) / (fl + n0 - 1), 1 - 1 / fl),
             ci_high = c((fu - 1) / (fu + n0 - 1), 1 - 1 / fu),
             f = f, df1 = df1, df2 = df2, pval = pf(f, df1, df2, lower.tail = FALSE),
             n_targets = a, k = n0)
}
icc_rows <- list()
for (task in c(names(tasks), "all")) {
  d <- if (task == "all") ratings else ratings[ratings$task == task, ]
  target <- paste(d$task, d$subject, d$clip)
  for (item in items) {
    icc_rows[[length(icc_rows) + 1]] <- cbind(data.frame(task = task, item = item),
                                              icc_oneway_aov(d[[item]], target))
  }
}
write_exact(do.call(rbind, icc_rows), file.path(here, "expressiveness_icc.csv"))
cat("lavaan", as.character(packageVersion("lavaan")), "golden values written to", here, "\n")
