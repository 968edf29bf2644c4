# R side of benchmarks/bench_fit.py: the same model on the same file, base R only
# for reading (read.csv), then lm + summary + sandwich::vcovHC(type = "HC3").
#
#   Rscript benchmarks/bench_fit.R benchmarks/out/customers_1000000.csv
#
# Prints one JSON line: the phase timings (seconds) and the estimates and HC3
# standard errors, so the benchmark can check both sides fitted the same model.
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1) stop("usage: Rscript bench_fit.R DATA.csv", call. = FALSE)

started <- proc.time()[["elapsed"]]
suppressPackageStartupMessages({
  library(sandwich)
  library(jsonlite)
})
loaded_packages <- proc.time()[["elapsed"]]

customers <- read.csv(args[[1]], stringsAsFactors = FALSE)
canonical <- c("High Value", "Medium Value", "Low Value", "At Risk")
customers$Segment <- relevel(factor(customers$Segment, levels = canonical), ref = "Low Value")
read_done <- proc.time()[["elapsed"]]

m <- lm(CustomerValue ~ Recency + Frequency + MonetaryValue + Segment, data = customers)
s <- summary(m)
hc3 <- sqrt(diag(vcovHC(m, type = "HC3")))
fit_done <- proc.time()[["elapsed"]]

cat(toJSON(list(
  packages_s = loaded_packages - started,
  read_s = read_done - loaded_packages,
  fit_s = fit_done - read_done,
  n = nobs(m),
  estimate = unname(coef(m)),
  std_error_hc3 = unname(hc3),
  r_squared = s$r.squared
), auto_unbox = TRUE, digits = NA), "\n")
