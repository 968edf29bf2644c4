# Reference values for the `fit --json` contract, computed with R's own tools.
#
# tests/reference/test_against_r.py compares every contract field that
# `python -m analysis fit` writes with this script's output, so the Python
# numbers are checked against lm, sandwich, car and lmtest rather than against
# themselves.
#
# Regenerate (after any change to data/customers.csv) from the repository root:
#
#   Rscript tests/reference/make_r_reference.R data/customers.csv tests/reference/r_reference.json
#
# Needs Debian's r-base-core r-cran-sandwich r-cran-car r-cran-lmtest r-cran-jsonlite.
# Fields whose names start with "_" (R and package versions, the data's sha256)
# are provenance: the comparison skips them, except that the test refuses a
# fixture whose "_data_sha256" no longer matches the data file.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) {
  stop("usage: Rscript make_r_reference.R DATA.csv OUT.json", call. = FALSE)
}
data_path <- args[[1]]
out_path <- args[[2]]

suppressPackageStartupMessages({
  library(sandwich)
  library(car)
  library(lmtest)
  library(jsonlite)
})

# Base R 4.2 has no sha256; coreutils' sha256sum is on every Debian machine.
sha256_of <- function(path) {
  out <- system2("sha256sum", shQuote(path), stdout = TRUE)
  strsplit(out[[1]], " ", fixed = TRUE)[[1]][[1]]
}

customers <- read.csv(data_path, stringsAsFactors = FALSE, check.names = FALSE,
                      colClasses = c(CustomerID = "character", Segment = "character"))
# Canonical order, then "Low Value" as reference: the dummies come out in the same
# order as the Python design matrix (High Value, Medium Value, At Risk).
canonical <- c("High Value", "Medium Value", "Low Value", "At Risk")
customers$Segment <- relevel(factor(customers$Segment, levels = canonical), ref = "Low Value")
if (anyNA(customers$Segment)) stop("unexpected segment label in ", data_path, call. = FALSE)
# Drop levels absent from the data, as the Python side does.
customers$Segment <- droplevels(customers$Segment)

m <- lm(CustomerValue ~ Recency + Frequency + MonetaryValue + Segment, data = customers)
m0 <- lm(CustomerValue ~ Recency + Frequency + MonetaryValue, data = customers)
s <- summary(m)

# R names a dummy "SegmentHigh Value"; the contract names it "Segment[High Value]".
contract_term <- function(name) {
  if (name == "(Intercept)") return("Intercept")
  sub("^Segment(.*)$", "Segment[\\1]", name)
}

table <- coef(s)
ci <- confint(m, level = 0.95)
hc3 <- sqrt(diag(vcovHC(m, type = "HC3")))
coefficients <- lapply(rownames(table), function(name) {
  list(term = contract_term(name),
       estimate = unname(table[name, "Estimate"]),
       std_error = unname(table[name, "Std. Error"]),
       t = unname(table[name, "t value"]),
       p = unname(table[name, "Pr(>|t|)"]),
       ci_low = unname(ci[name, 1]),
       ci_high = unname(ci[name, 2]),
       std_error_hc3 = unname(hc3[[name]]))
})

f <- s$fstatistic
nested <- anova(m0, m)
# car::vif returns GVIF, Df and GVIF^(1/(2 Df)) when a term has several columns;
# the contract's VIF is the GVIF (first column) for every term.
vif_table <- car::vif(m)
vif_values <- if (is.matrix(vif_table)) vif_table[, 1] else vif_table
bp <- bptest(m)  # studentize = TRUE (Koenker), the default

reference <- list(
  n = nobs(m),
  reference = levels(customers$Segment)[[1]],
  coefficients = coefficients,
  r_squared = s$r.squared,
  adj_r_squared = s$adj.r.squared,
  sigma = s$sigma,
  f = unname(f[["value"]]),
  f_p = pf(f[["value"]], f[["numdf"]], f[["dendf"]], lower.tail = FALSE),
  aic = AIC(m),
  bic = BIC(m),
  rfm_only_r_squared = summary(m0)$r.squared,
  segment_f = nested$F[[2]],
  segment_f_p = nested$`Pr(>F)`[[2]],
  vif = as.list(vif_values),
  bp_stat = unname(bp$statistic),
  bp_p = unname(bp$p.value),
  `_data_file` = basename(data_path),
  `_data_sha256` = sha256_of(data_path),
  `_r_version` = R.version.string,
  `_packages` = list(sandwich = as.character(packageVersion("sandwich")),
                     car = as.character(packageVersion("car")),
                     lmtest = as.character(packageVersion("lmtest")),
                     jsonlite = as.character(packageVersion("jsonlite"))),
  `_regenerate` = "Rscript tests/reference/make_r_reference.R data/customers.csv tests/reference/r_reference.json"
)

# digits = NA: full double precision, so the fixture carries R's exact numbers.
write_json(reference, out_path, auto_unbox = TRUE, digits = NA, pretty = TRUE)
