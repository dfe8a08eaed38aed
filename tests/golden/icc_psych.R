# Golden values for tests/test_reliability.py.
#
# Run from the repository root:  Rscript tests/golden/icc_psych.R
# Writes, beside this script:
#   icc_psych.csv           psych::ICC(x, lmer = FALSE) on the Shrout & Fleiss (1979)
#                           6 x 4 example (alpha .05 and .10) and on a simulated
#                           60 x 5 crossed design (alpha .05)
#   icc_sim_balanced.csv    that simulated design, long (target, rater, rating)
#   icc_sim_unbalanced.csv  a simulated one-way design, 70 targets rated 2 to 7 times
#   icc_oneway_aov.csv      one-way ICCs of both simulated designs from R's aov()
#                           mean squares, with n0 = (N - sum(n_i^2)/N)/(a - 1) in place
#                           of k (closed form, independent of the Python code path)
suppressPackageStartupMessages(library(psych))
here <- "tests/golden"
source(file.path(here, "_write_exact.R"))

psych_rows <- function(x, dataset, alpha) {
  res <- psych::ICC(x, lmer = FALSE, alpha = alpha)$results
  data.frame(dataset = dataset, confidence = 1 - alpha, type = res$type, icc = res$ICC,
             f = res$F, df1 = res$df1, df2 = res$df2, pval = res$p,
             ci_low = res[["lower bound"]], ci_high = res[["upper bound"]])
}

sf <- matrix(c(9, 2, 5, 8,
               6, 1, 3, 2,
               8, 4, 6, 8,
               7, 1, 2, 6,
               10, 5, 6, 9,
               6, 2, 4, 7), ncol = 4, byrow = TRUE)

set.seed(20240601)
a <- 60; k <- 5
balanced <- data.frame(target = rep(seq_len(a), each = k), rater = rep(seq_len(k), a))
balanced$rating <- rnorm(a, sd = 1.2)[balanced$target] + rnorm(k, sd = 0.6)[balanced$rater] +
  rnorm(a * k, sd = 0.9)
wide <- matrix(balanced$rating, ncol = k, byrow = TRUE)

out <- rbind(psych_rows(sf, "shrout_fleiss", 0.05),
             psych_rows(sf, "shrout_fleiss", 0.10),
             psych_rows(wide, "sim_balanced", 0.05))
write_exact(out, file.path(here, "icc_psych.csv"))
write_exact(balanced, file.path(here, "icc_sim_balanced.csv"))

set.seed(20240602)
a2 <- 70
n_i <- sample(2:7, a2, replace = TRUE, prob = c(0.05, 0.05, 0.1, 0.3, 0.4, 0.1))
target <- rep(seq_len(a2), n_i)
unbalanced <- data.frame(target = sprintf("t%02d", target),
                         rating = rnorm(a2, sd = 1)[target] + rnorm(length(target), sd = 1.1))
write_exact(unbalanced, file.path(here, "icc_sim_unbalanced.csv"))

icc_oneway_aov <- function(y, target, dataset, alpha = 0.05) {
  target <- factor(target)
  tab <- summary(aov(y ~ target))[[1]]
  msb <- tab[1, "Mean Sq"]; msw <- tab[2, "Mean Sq"]
  df1 <- tab[1, "Df"]; df2 <- tab[2, "Df"]
  ni <- as.vector(table(target)); N <- sum(ni); a <- length(ni)
  n0 <- (N - sum(ni^2) / N) / (a - 1)
  f <- msb / msw
  fl <- f / qf(1 - alpha / 2, df1, df2)
  fu <- f * qf(1 - alpha / 2, df2, df1)
  data.frame(dataset = dataset, confidence = 1 - alpha, type = c("ICC(1,1)", "ICC(1,k)"),
             icc = c((msb - msw) / (msb + (n0 - 1) * msw), (msb - msw) / msb),
             f = f, df1 = df1, df2 = df2, pval = pf(f, df1, df2, lower.tail = FALSE),
             ci_low = c((fl - 1) / (fl + n0 - 1), 1 - 1 / fl),
             ci_high = c((fu - 1) / (fu + n0 - 1), 1 - 1 / fu),
             k = n0, n_targets = a, n_ratings = N)
}
aov_rows <- rbind(icc_oneway_aov(unbalanced$rating, unbalanced$target, "sim_unbalanced"),
                  icc_oneway_aov(unbalanced$rating, unbalanced$target, "sim_unbalanced", 0.10),
                  icc_oneway_aov(balanced$rating, balanced$target, "sim_balanced"))
# on balanced data the closed form must reproduce psych's one-way rows
chk <- out[out$dataset == "sim_balanced" & out$type %in% c("ICC1", "ICC1k"), ]
stopifnot(isTRUE(all.equal(chk$icc, aov_rows$icc[aov_rows$dataset == "sim_balanced"], tolerance = 1e-12)))
write_exact(aov_rows, file.path(here, "icc_oneway_aov.csv"))
cat("psych", as.character(packageVersion("psych")), "golden values written to", here, "\n")
