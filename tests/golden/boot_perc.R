# Golden values for bitbox_stats.bootstrap: R's boot.ci(type = "perc") and
# boot.ci(type = "bca") limits for a cluster bootstrap of NRMSE and Pearson r.
#
# Run from the repository root:  Rscript tests/golden/boot_perc.R
# (R >= 4.2 with the recommended package boot). Writes, beside this script:
#   boot_data.csv       the simulated clustered data (cluster, y, a, b)
#   boot_counts.csv     boot.array(): how often each cluster is drawn per replicate
#   boot_replicates.csv the replicates t (6 statistics) per replicate
#   boot_jack.csv       cluster-jackknife influence values, empinf(type = "jack")
#   boot_ci.csv         t0, the perc and bca limits, and quantile(type = 7) of the
#                       replicates (bitbox_stats' ci="percentile") per statistic, R, conf
# The bootstrap resamples clusters (data = the cluster ids); the statistic pools
# all rows of the drawn clusters, as bitbox_stats.cluster_bootstrap does.
suppressPackageStartupMessages(library(boot))
file_arg <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
out_dir <- if (length(file_arg)) dirname(normalizePath(file_arg)) else "tests/golden"

fmt <- function(df) {
  for (j in seq_along(df)) if (is.double(df[[j]])) df[[j]] <- sprintf("%.17g", df[[j]])
  df
}

set.seed(20240601)
G <- 25
sizes <- sample(4:12, G, replace = TRUE)
cluster <- rep(seq_len(G), sizes)
n <- length(cluster)
y <- rnorm(G)[cluster] + rnorm(n)
a <- y + rnorm(G, sd = 0.5)[cluster] + rnorm(n, sd = 0.6)
b <- y + rnorm(G, sd = 0.8)[cluster] + rnorm(n, sd = 0.9)
dat <- data.frame(cluster = cluster, y = y, a = a, b = b)
write.csv(fmt(dat), file.path(out_dir, "boot_data.csv"), row.names = FALSE, quote = FALSE)

rows_of <- split(seq_len(n), cluster)
score_range <- 7
stat <- function(ids, i) {
  r <- unlist(rows_of[ids[i]], use.names = FALSE)
  na <- sqrt(mean((y[r] - a[r])^2)) / score_range
  nb <- sqrt(mean((y[r] - b[r])^2)) / score_range
  ra <- cor(y[r], a[r])
  rb <- cor(y[r], b[r])
  c(na, nb, na - nb, ra, rb, ra - rb)
}
stat_names <- c("nrmse_a", "nrmse_b", "nrmse_diff", "r_a", "r_b", "r_diff")

counts <- list(); reps <- list(); jack <- list(); cis <- list()
for (R in c(10L, 99L, 999L, 2000L)) {
  set.seed(1000 + R)
  bt <- boot(seq_len(G), stat, R = R)
  f <- boot.array(bt)
  colnames(f) <- paste0("c", seq_len(G))
  counts[[length(counts) + 1]] <- data.frame(R = R, replicate = seq_len(R) - 1L, f)
  tt <- bt$t
  colnames(tt) <- stat_names
  reps[[length(reps) + 1]] <- data.frame(R = R, replicate = seq_len(R) - 1L, tt)
  for (k in seq_along(stat_names)) {
    L <- empinf(bt, index = k, type = "jack")
    if (R == 2000L) jack[[length(jack) + 1]] <- data.frame(statistic = stat_names[k],
                                                          cluster = seq_len(G), L = L)
    for (conf in c(0.8, 0.9, 0.95)) {
      ci <- suppressWarnings(boot.ci(bt, conf = conf, type = c("perc", "bca"), index = k, L = L))
      cis[[length(cis) + 1]] <- data.frame(
        R = R, conf = conf, statistic = stat_names[k], t0 = bt$t0[k],
        perc_low = ci$percent[4], perc_high = ci$percent[5],
        q7_low = quantile(bt$t[, k], (1 - conf) / 2, type = 7, names = FALSE),
        q7_high = quantile(bt$t[, k], (1 + conf) / 2, type = 7, names = FALSE),
        bca_low = ci$bca[4], bca_high = ci$bca[5]
      )
    }
  }
}
write.csv(fmt(do.call(rbind, counts)), file.path(out_dir, "boot_counts.csv"), row.names = FALSE, quote = FALSE)
write.csv(fmt(do.call(rbind, reps)), file.path(out_dir, "boot_replicates.csv"), row.names = FALSE, quote = FALSE)
write.csv(fmt(do.call(rbind, jack)), file.path(out_dir, "boot_jack.csv"), row.names = FALSE, quote = FALSE)
write.csv(fmt(do.call(rbind, cis)), file.path(out_dir, "boot_ci.csv"), row.names = FALSE, quote = FALSE)
cat(R.version.string, "; boot", as.character(packageVersion("boot")), "\n")
