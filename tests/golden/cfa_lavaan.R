# Golden values for tests/test_factor.py: lavaan CFA estimates, fit measures
# and factor scores (lavPredict) on lavaan's HolzingerSwineford1939 data.
#
# Run from the repository root:  Rscript tests/golden/cfa_lavaan.R
# Writes, beside this script:
#   holzinger_swineford_1939.csv  the data, exported so Python reads the same numbers
#   cfa_lavaan_estimates.csv      parameterEstimates(fit, standardized = TRUE)
#   cfa_lavaan_fit.csv            fitMeasures(fit) (one row per model)
#   cfa_lavaan_scores.csv         lavPredict(fit, method = "Bartlett" / "regression"), long
suppressPackageStartupMessages(library(lavaan))
here <- "tests/golden"
source(file.path(here, "_write_exact.R"))

hs <- lavaan::HolzingerSwineford1939
write_exact(hs, file.path(here, "holzinger_swineford_1939.csv"))

three <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
models <- list(
  three_factor = list(model = three, std.lv = FALSE),
  three_factor_std_lv = list(model = three, std.lv = TRUE),
  textual_std_lv = list(model = "f =~ x4 + x5 + x6", std.lv = TRUE),
  three_factor_rescov = list(model = paste(three, "x7 ~~ x8", sep = "\n"), std.lv = FALSE),
  visual_na_fixed_var = list(model = "visual =~ NA*x1 + x2 + x3\nvisual ~~ 1*visual",
                             std.lv = FALSE)
)

measures <- c("chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi", "tli",
              "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "logl", "aic", "bic",
              "npar", "ntotal")
est_rows <- list()
fit_rows <- list()
score_rows <- list()
for (name in names(models)) {
  m <- models[[name]]
  fit <- cfa(m$model, data = hs, std.lv = m$std.lv)
  stopifnot(lavInspect(fit, "converged"))
  pe <- parameterEstimates(fit, standardized = TRUE)
  est_rows[[name]] <- data.frame(model = name, lhs = pe$lhs, op = pe$op, rhs = pe$rhs,
                                 est = pe$est, se = pe$se, z = pe$z, pvalue = pe$pvalue,
                                 std_all = pe$std.all)
  fm <- fitMeasures(fit, measures)
  fit_rows[[name]] <- data.frame(model = name, t(as.numeric(fm)))
  names(fit_rows[[name]]) <- c("model", gsub(".", "_", measures, fixed = TRUE))
  for (method in c("Bartlett", "regression")) {
    sc <- lavPredict(fit, method = method)
    for (f in colnames(sc)) {
      score_rows[[length(score_rows) + 1]] <- data.frame(
        model = name, method = tolower(method), row = seq_len(nrow(sc)) - 1L,
        factor = f, score = sc[, f])
    }
  }
}
write_exact(do.call(rbind, est_rows), file.path(here, "cfa_lavaan_estimates.csv"))
write_exact(do.call(rbind, fit_rows), file.path(here, "cfa_lavaan_fit.csv"))
write_exact(do.call(rbind, score_rows), file.path(here, "cfa_lavaan_scores.csv"))
cat("lavaan", as.character(packageVersion("lavaan")), "golden values written to", here, "\n")
