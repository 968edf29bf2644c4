# Reference values for analysis/evidence (issue 10), computed by R's own packages.
# Run from the repository root:  Rscript tests/reference/make_r_evidence.R [OUT.json]
# Reads tests/reference/evidence_customers.csv (made by make_evidence_table.py) and writes
# tests/reference/r_evidence.json, which tests/reference/test_evidence_against_r.py checks
# to 1e-6 relative. Debian packages: r-base-core r-cran-lmtest r-cran-sandwich
# r-cran-quantreg r-cran-emmeans r-cran-jsonlite (marginaleffects is not packaged, so the
# average slopes are computed here as it does: finite differences of predict() and a
# numeric Jacobian in the coefficients for the delta method).
suppressPackageStartupMessages({
  library(splines); library(lmtest); library(sandwich); library(quantreg)
  library(emmeans); library(jsonlite)
})
here <- "tests/reference"
args <- commandArgs(trailingOnly = TRUE)
out_path <- if (length(args)) args[1] else file.path(here, "r_evidence.json")
d <- read.csv(file.path(here, "evidence_customers.csv"))
ref <- "Low Value"
lv <- c(ref, setdiff(c("High Value", "Medium Value", "Low Value", "At Risk"), ref))
d$Segment <- factor(d$Segment, levels = lv)
y <- d$CustomerValue
out <- list(reference = ref, levels = lv, n = nrow(d))

# --- R's natural spline basis, inside and outside the boundary knots -------------------
N <- ns(d$Recency, df = 3)
newx <- unname(c(min(d$Recency) - 10, quantile(d$Recency, c(0.1, 0.5, 0.9)), max(d$Recency) + 25))
out$spline <- list(knots = unname(attr(N, "knots")), boundary = attr(N, "Boundary.knots"),
                   x = newx, basis = unname(predict(N, newx)))

# --- the six models --------------------------------------------------------------------
lin <- CustomerValue ~ Recency + Frequency + MonetaryValue + Segment
models <- list(
  linear = lm(lin, d),
  fxm = lm(update(lin, . ~ . + Frequency:MonetaryValue), d),
  # Segment x RFM as non-reference dummies times each variable: with ns() in place of
  # Recency, R's own Segment:Recency would code all four labels (one aliased).
  flexible = lm(as.formula(paste(
    "CustomerValue ~ ns(Recency, df = 3) + Frequency + MonetaryValue + Segment + Frequency:MonetaryValue +",
    paste(sprintf('I((Segment == "%s") * %s)', rep(lv[-1], 3),
                  rep(c("Recency", "Frequency", "MonetaryValue"), each = 3)), collapse = " + "))), d),
  loglinear = lm(log(CustomerValue) ~ Recency + Frequency + MonetaryValue + Segment, d),
  gamma_log = glm(lin, family = Gamma(link = "log"), data = d,
                  control = glm.control(epsilon = 1e-14, maxit = 200)),
  median = rq(lin, tau = 0.5, data = d)
)
smear <- c(loglinear = mean(exp(resid(models$loglinear))))
robust_vcov <- function(name, m) {
  if (name == "median") summary(m, se = "ker", covariance = TRUE)$cov else vcovHC(m, type = "HC3")
}
design <- function(m, nd) {
  tt <- delete.response(terms(m))
  model.matrix(tt, model.frame(tt, nd, xlev = list(Segment = lv)))
}
dollars <- function(name, m, beta, nd) {
  eta <- drop(design(m, nd) %*% beta)
  if (name == "loglinear") exp(eta) * smear[["loglinear"]]
  else if (name == "gamma_log") exp(eta) else eta
}
jacobian <- function(f, beta) {  # central differences, as marginaleffects' numeric Jacobian
  sapply(seq_along(beta), function(j) {
    h <- 1e-4 * max(abs(beta[j]), 1e-3); up <- beta; dn <- beta
    up[j] <- up[j] + h; dn[j] <- dn[j] - h; (f(up) - f(dn)) / (2 * h)
  })
}
effect <- function(f, beta, V) {
  g <- matrix(jacobian(f, beta), ncol = 1)
  list(estimate = f(beta), se = sqrt(drop(t(g) %*% V %*% g)))
}
ame <- function(name, m, V) {
  beta <- coef(m); res <- list()
  for (v in c("Recency", "Frequency", "MonetaryValue")) {
    h <- 1e-4 * sd(d[[v]]); up <- d; dn <- d; up[[v]] <- d[[v]] + h; dn[[v]] <- d[[v]] - h
    res[[v]] <- effect(function(b) mean(dollars(name, m, b, up) - dollars(name, m, b, dn)) / (2 * h), beta, V)
  }
  base <- d; base$Segment <- factor(ref, levels = lv)
  for (s in lv[-1]) {
    alt <- d; alt$Segment <- factor(s, levels = lv)
    res[[paste0("Segment[", s, "]")]] <- effect(
      function(b) mean(dollars(name, m, b, alt) - dollars(name, m, b, base)), beta, V)
  }
  res
}
fits <- list()
for (name in names(models)) {
  m <- models[[name]]; V <- robust_vcov(name, m)
  pred <- dollars(name, m, coef(m), d)
  aic <- switch(name, median = NULL, loglinear = AIC(m) + 2 * sum(log(y)), AIC(m))
  fits[[name]] <- list(coef = unname(coef(m)), vcov = unname(V), aic = aic,
                       r_squared = 1 - sum((y - pred)^2) / sum((y - mean(y))^2),
                       fitted_head = head(unname(pred), 10), ame = ame(name, m, V))
}
fits$loglinear$smearing <- smear[["loglinear"]]
out$models <- fits

# --- specification checks --------------------------------------------------------------
m0 <- models$linear
rs <- resettest(m0, power = 2:3, type = "fitted")
m_int <- lm(update(lin, . ~ . + Segment:Recency + Segment:Frequency + Segment:MonetaryValue), d)
w_int <- waldtest(m0, m_int, vcov = vcovHC(m_int, type = "HC3"), test = "F")
w_fxm <- waldtest(m0, models$fxm, vcov = vcovHC(models$fxm, type = "HC3"), test = "F")
m_ns <- lm(update(lin, . ~ . - Recency + ns(Recency, df = 3)), d)
d$ns1 <- N[, 1]; d$ns2 <- N[, 2]
m_nsw <- lm(update(lin, . ~ . + ns1 + ns2), d)  # same column space as m_ns, nests m0
stopifnot(isTRUE(all.equal(fitted(m_ns), fitted(m_nsw), tolerance = 1e-9)))
a_ns <- anova(m0, m_ns)
w_ns <- waldtest(m0, m_nsw, vcov = vcovHC(m_nsw, type = "HC3"), test = "F")
pct <- sapply(c("Recency", "Frequency", "MonetaryValue"), function(v) rank(d[[v]]) / nrow(d))
# Balanced k-NN propensity overlap (analysis/evidence/overlap.py), by brute force: every
# neighbour at the k-th Euclidean distance counts; the share with e <= 0.9 overlaps.
overlap_share <- function(level, k = 50, limit = 0.9) {
  pool <- which(d$Segment %in% c(level, ref)); lab <- d$Segment[pool] == level
  D <- as.matrix(dist(pct[pool, ])); k <- min(k, max(5, floor(sqrt(length(pool)))), length(pool) - 1)
  e <- sapply(which(lab), function(i) {
    di <- D[i, -i]; li <- lab[-i]; near <- di <= sort(di)[k] * (1 + 1e-12)
    a <- sum(near & li) / sum(lab); b <- sum(near & !li) / sum(!lab); a / (a + b)
  })
  mean(e <= limit)
}
rfm <- as.matrix(d[, c("Recency", "Frequency", "MonetaryValue")])
lo <- apply(rfm[d$Segment == ref, ], 2, min); hi <- apply(rfm[d$Segment == ref, ], 2, max)
inbox <- apply(sweep(rfm, 2, lo) >= 0 & sweep(rfm, 2, hi) <= 0, 1, all)
out$specification <- list(
  reset = list(f = unname(rs$statistic), p = unname(rs$p.value)),
  segment_interactions = list(stat = w_int$F[2], p = w_int$`Pr(>F)`[2]),
  frequency_x_monetary = list(stat = w_fxm$F[2], p = w_fxm$`Pr(>F)`[2]),
  recency_spline = list(stat = w_ns$F[2], p = w_ns$`Pr(>F)`[2],
                        nested_f = a_ns$F[2], nested_p = a_ns$`Pr(>F)`[2]),
  negative_fitted_share = mean(fitted(m0) < 0),
  segment_overlap = c(setNames(list(1), ref), lapply(setNames(lv[-1], lv[-1]), overlap_share)),
  segment_range_overlap = as.list(tapply(inbox, d$Segment, mean)))

# --- segment value beyond RFM and marginal means ---------------------------------------
m_rfm <- lm(CustomerValue ~ Recency + Frequency + MonetaryValue, d)
resid_rfm <- resid(m_rfm)
out$segment_value <- lapply(setNames(lv, lv), function(s) {
  t <- t.test(resid_rfm[d$Segment == s]); list(mean = unname(t$estimate), low = t$conf.int[1], high = t$conf.int[2])
})
emm_of <- function(m, V, ...) {
  e <- emmeans(m, ~ Segment, vcov. = V, data = d, ...)
  s <- summary(e); k <- summary(contrast(e, "trt.vs.ctrl", ref = 1))
  list(emmean = as.list(setNames(s[[2]], as.character(s$Segment))),
       se = as.list(setNames(s$SE, as.character(s$Segment))),
       contrast = k$estimate, contrast_se = k$SE)
}
out$emmeans <- list(
  linear = emm_of(models$linear, vcovHC(models$linear, type = "HC3")),
  fxm = emm_of(models$fxm, vcovHC(models$fxm, type = "HC3")))  # emmeans cannot rebuild the flexible model's I() terms
out$cooks_top <- unname(head(sort(cooks.distance(m0), decreasing = TRUE), 5))
out$cooks_order <- unname(head(order(cooks.distance(m0), decreasing = TRUE), 5)) - 1
out$labels_wald <- list(linear = waldtest(m_rfm, m0, vcov = vcovHC(m0, type = "HC3"), test = "F")$F[2])
write_json(out, out_path, digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("wrote", out_path, "\n")
