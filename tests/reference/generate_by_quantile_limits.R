# Woodruff confidence limits of the svyby(svyquantile) reference cases, by domain.
#
# R's confint() of an svyby(..., svyquantile) result is estimate -/+ z * SE, not the
# Woodruff interval that svyquantile computed in each domain (and from which that SE
# was derived). The limits govstats reports for quantiles by domain are the Woodruff
# ones, so they are recorded here from svyquantile() on each domain (the subset design
# svyby itself uses), keyed by the case ids of survey_cases_extra.json and by R's names.
#
# Run from this folder: Rscript generate_by_quantile_limits.R  (R 4.2.2, survey 4.1-1)
suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
data(api)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
jkn_strat <- as.svrepdesign(dstrat, type = "JKn")

limits <- function(call, design, variable, by, quantiles, na.rm = FALSE) {
  frame <- design$variables
  keys <- unique(frame[, by, drop = FALSE])
  keys <- keys[do.call(order, unname(as.list(keys))), , drop = FALSE]
  lower <- list()
  upper <- list()
  for (i in seq_len(nrow(keys))) {
    rows <- Reduce(`&`, lapply(by, function(b) frame[[b]] == keys[i, b]))
    fit <- svyquantile(as.formula(paste0("~", variable)), design[rows, ],
                       quantiles = quantiles, na.rm = na.rm)
    ci <- confint(fit)
    label <- paste(sapply(by, function(b) as.character(keys[i, b])), collapse = ".")
    for (j in seq_along(quantiles)) {
      name <- if (length(quantiles) == 1) label else
        paste0(label, ":", variable, ".", quantiles[j])
      lower[[name]] <- unname(ci[j, 1])
      upper[[name]] <- unname(ci[j, 2])
    }
  }
  list(r_call = call, ci_lower = lower, ci_upper = upper)
}

cases <- list(
  "X-strat-svyby-quantile-schwide" = limits(
    "svyquantile(~api00, subset(dstrat, sch.wide == g), quantiles=0.5) per domain g",
    dstrat, "api00", "sch.wide", 0.5),
  "X-clus2-svyby-quantile-multi" = limits(
    "svyquantile(~api00, subset(dclus2, sch.wide == g), quantiles=c(0.25, 0.75)) per domain g",
    dclus2, "api00", "sch.wide", c(0.25, 0.75)),
  "X-rep-JKn-strat-svyby-quantile" = limits(
    "svyquantile(~api00, subset(jkn_strat, stype == g), quantiles=0.5) per domain g",
    jkn_strat, "api00", "stype", 0.5),
  "X-strat-svyby-quantile-narm" = limits(
    "svyquantile(~acs.46, subset(dstrat, stype == g), quantiles=0.5, na.rm=TRUE) per domain g",
    dstrat, "acs.46", "stype", 0.5, na.rm = TRUE),
  "X-strat-svyby-quantile-two-by" = limits(
    "svyquantile(~api00, subset(dstrat, stype == s & sch.wide == w), quantiles=0.5) per domain",
    dstrat, "api00", c("stype", "sch.wide"), 0.5)
)
doc <- list(
  title = "Woodruff limits of the svyby(svyquantile) reference cases, by domain",
  provenance = list(
    generated_by = "tests/reference/generate_by_quantile_limits.R",
    r_version = R.version.string,
    survey_version = as.character(packageVersion("survey"))
  ),
  cases = cases
)
writeLines(toJSON(doc, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"), "by_quantile_limits.json")
