# Generate tests/reference/models_cases.json: R `survey` reference cases for the design-based
# models and tests (svyolr, svychisq, svyttest, regTermTest, svycontrast, psrsq,
# predict.svyglm), a multinomial logit validated by an R weighted-MLE replicate loop and
# linearization, and average marginal effects by a replicate loop over svyglm replicates.
#
# Versions used for the committed file: R 4.2.2 Patched (2022-11-10 r83330),
# survey 4.1-1, MASS 7.3-58, jsonlite (Debian bookworm r-cran-* packages).
#
# Run from the repository root:
#     Rscript tests/reference/generate_models.R
#
# Designs use the field names of survey_cases_extra.json (ids, strata, weights, fpc,
# replicate, calibration, subset) so that tests/design/reference_builder.py rebuilds
# them. Bootstrap replicate weights are stored in full (R draws them at random).
#
# Derived columns, added to every data set before any design is built (the Python
# test adds the same columns):
#   g4      factor(cut(api00, c(-Inf, 550, 650, 750, Inf), labels = FALSE)): 4 ordered groups
#   stype_o factor(stype, levels = c("E", "M", "H"), ordered = TRUE)
#   yes     as.numeric(sch.wide == "Yes")
#   acs_hi  ifelse(acs.k3 > 20, "high", "low") (missing where acs.k3 is missing)

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
out_dir <- if (length(script)) dirname(normalizePath(script)) else "tests/reference"
data_dir <- file.path(out_dir, "data")

options(survey.lonely.psu = "fail", survey.replicates.mse = FALSE,
        survey.adjust.domain.lonely = FALSE, survey.ultimate.cluster = FALSE)

derive <- function(d) {
  d$g4 <- factor(cut(d$api00, c(-Inf, 550, 650, 750, Inf), labels = FALSE))
  d$stype_o <- factor(d$stype, levels = c("E", "M", "H"), ordered = TRUE)
  d$yes <- as.numeric(d$sch.wide == "Yes")
  d$acs_hi <- ifelse(d$acs.k3 > 20, "high", "low")
  d
}
apistrat <- derive(read.csv(file.path(data_dir, "apistrat.csv")))
apiclus1 <- derive(read.csv(file.path(data_dir, "apiclus1.csv")))
apiclus2 <- derive(read.csv(file.path(data_dir, "apiclus2.csv")))
apisrs <- derive(read.csv(file.path(data_dir, "apisrs.csv")))

dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
dsrs <- svydesign(id = ~1, weights = ~pw, fpc = ~fpc, data = apisrs)
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
dclus1_ps <- postStratify(dclus1, ~stype, pop.types)
dclus1_rake <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide))
jk1 <- as.svrepdesign(dclus1, type = "JK1")
jkn <- as.svrepdesign(dstrat, type = "JKn")
set.seed(20240611)
boot <- as.svrepdesign(dclus1, type = "bootstrap", replicates = 50)

matrix_json <- function(m) {
  m <- as.matrix(m)
  list(data = unname(lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ])))))
}
base_spec <- function(file, ids = character(0), strata = NULL, weights = NULL,
                      fpc = character(0), call) {
  list(data_file = paste0("shared/reference/data/", file), ids = I(ids), strata = strata,
       weights = weights, fpc = I(fpc), nest = FALSE, r_design_call = call,
       lonely_psu_option = "fail", replicates_mse_option = FALSE,
       adjust_domain_lonely_option = FALSE)
}
S_STRAT <- base_spec("apistrat.csv", strata = "stype", weights = "pw", fpc = "fpc",
  call = "dstrat <- svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc, data=apistrat)")
S_CLUS1 <- base_spec("apiclus1.csv", ids = "dnum", weights = "pw", fpc = "fpc",
  call = "dclus1 <- svydesign(id=~dnum, weights=~pw, fpc=~fpc, data=apiclus1)")
S_CLUS2 <- base_spec("apiclus2.csv", ids = c("dnum", "snum"), fpc = c("fpc1", "fpc2"),
  call = "dclus2 <- svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=apiclus2)")
S_SRS <- base_spec("apisrs.csv", weights = "pw", fpc = "fpc",
  call = "dsrs <- svydesign(id=~1, weights=~pw, fpc=~fpc, data=apisrs)")
pop_counts_stype <- list(E = 4421, H = 755, M = 1018)
S_PS <- S_CLUS1
S_PS$calibration <- list(method = "postStratify", variables = I("stype"),
                         population_counts = pop_counts_stype)
S_PS$r_design_call <- "dclus1_ps <- postStratify(dclus1, ~stype, pop.types)"
S_RAKE <- S_CLUS1
S_RAKE$calibration <- list(method = "rake", margins = I(c("stype", "sch.wide")),
  population_counts = list(stype = pop_counts_stype, sch.wide = list(No = 1072, Yes = 5122)),
  control = list(maxit = 10, epsilon = 1))
S_RAKE$r_design_call <- "dclus1_rake <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide))"
rep_spec <- function(rep, type, from, store = FALSE) {
  out <- list(type = type, converted_from = from, n_replicates = ncol(rep$repweights),
              scale = rep$scale, rscales = I(as.numeric(rep$rscales)), mse = rep$mse)
  if (store) out$replicate_weights <- matrix_json(weights(rep, "analysis"))
  out
}
S_JK1 <- S_CLUS1
S_JK1$replicate <- rep_spec(jk1, "JK1", "dclus1")
S_JK1$r_design_call <- "jk1 <- as.svrepdesign(dclus1, type='JK1')"
S_JKN <- S_STRAT
S_JKN$replicate <- rep_spec(jkn, "JKn", "dstrat")
S_JKN$r_design_call <- "jkn <- as.svrepdesign(dstrat, type='JKn')"
S_BOOT <- S_CLUS1
S_BOOT$replicate <- rep_spec(boot, "bootstrap", "dclus1", store = TRUE)
S_BOOT$r_design_call <- "set.seed(20240611); boot <- as.svrepdesign(dclus1, type='bootstrap', replicates=50)"
with_subset <- function(spec, expression) {
  spec$subset <- list(expression = expression)
  spec
}

cases <- list()
add <- function(case_id, kind, design, r_call, args, result, variables = character(0)) {
  cases[[length(cases) + 1]] <<- list(
    case_id = case_id, kind = kind, design = design,
    estimator = paste0("svy", kind), variables = I(variables),
    r_call = r_call, args = args, result = result)
}
named <- function(x) as.list(setNames(as.numeric(x), names(x)))

# ---------------------------------------------------------------- svyolr
olr_case <- function(id, spec, design, formula, method = "logistic", link = "logit",
                     na_rm = FALSE, call_design) {
  m <- tryCatch(svyolr(as.formula(formula), design, method = method), error = function(e) {message(id, ": ", conditionMessage(e)); NULL})
  if (is.null(m)) return(invisible())
  est <- c(coef(m), m$zeta)
  est <- est[!duplicated(names(est))]
  se <- sqrt(diag(vcov(m)))[names(est)]
  add(id, "olr", spec,
      sprintf("svyolr(%s, %s, method='%s')", formula, call_design, method),
      list(formula = formula, link = link, na_rm = na_rm),
      list(estimate = named(est), se = named(se), df = m$df.residual))
}
olr_case("olr-strat-logit", S_STRAT, dstrat, "g4 ~ ell + meals", call_design = "dstrat")
olr_case("olr-strat-probit", S_STRAT, dstrat, "g4 ~ ell + meals", "probit", "probit",
         call_design = "dstrat")
olr_case("olr-strat-cloglog", S_STRAT, dstrat, "g4 ~ ell + meals", "cloglog", "cloglog",
         call_design = "dstrat")
olr_case("olr-clus1-factor", S_CLUS1, dclus1, "g4 ~ ell + meals + stype", call_design = "dclus1")
olr_case("olr-clus2-ordered-stype", S_CLUS2, dclus2, "stype_o ~ api00 + ell",
         call_design = "dclus2")
olr_case("olr-srs-ordered-stype", S_SRS, dsrs, "stype_o ~ ell + meals", call_design = "dsrs")
olr_case("olr-strat-domain", with_subset(S_STRAT, "meals > 20"), subset(dstrat, meals > 20),
         "g4 ~ ell + avg.ed", call_design = "subset(dstrat, meals > 20)")
olr_case("olr-strat-missing", S_STRAT, dstrat, "g4 ~ acs.k3 + meals", na_rm = TRUE,
         call_design = "dstrat")
olr_case("olr-clus1-poststrat", S_PS, dclus1_ps, "g4 ~ ell + meals", call_design = "dclus1_ps")
olr_case("olr-clus1-rake", S_RAKE, dclus1_rake, "g4 ~ ell + meals", call_design = "dclus1_rake")
olr_case("olr-jk1", S_JK1, jk1, "g4 ~ ell + meals", call_design = "jk1")
olr_case("olr-jkn", S_JKN, jkn, "g4 ~ ell + meals", call_design = "jkn")
# No probit or cloglog case on a replicate design: survey 4.1-1's svyolr.svyrep.design
# refits every replicate with MASS::polr's default logistic link whatever method= says, so
# its standard errors there are those of a different model (govstats refits with the
# requested link).
olr_case("olr-boot", S_BOOT, boot, "g4 ~ ell + meals", call_design = "boot")

# ---------------------------------------------------------------- svychisq
chisq_case <- function(id, spec, design, row, col, statistic, call_design, na_rm = FALSE) {
  r <- svychisq(as.formula(sprintf("~%s + %s", row, col)), design, statistic = statistic)
  result <- list(statistic = unname(as.numeric(r$statistic)), p_value = unname(r$p.value))
  if (statistic == "Chisq") {
    result$df <- unname(r$parameter[["df"]])
  } else {
    result$ndf <- unname(r$parameter[["ndf"]])
    result$ddf <- unname(r$parameter[["ddf"]])
  }
  add(id, "chisq", spec,
      sprintf("svychisq(~%s + %s, %s, statistic='%s')", row, col, call_design, statistic),
      list(row = row, col = col, statistic = statistic, na_rm = na_rm), result,
      variables = c(row, col))
}
for (s in c("F", "Chisq", "Wald", "adjWald")) {
  chisq_case(paste0("chisq-strat-", s), S_STRAT, dstrat, "sch.wide", "stype", s, "dstrat")
  chisq_case(paste0("chisq-clus1-", s), S_CLUS1, dclus1, "stype", "awards", s, "dclus1")
  chisq_case(paste0("chisq-jk1-", s), S_JK1, jk1, "stype", "awards", s, "jk1")
}
chisq_case("chisq-clus2-F", S_CLUS2, dclus2, "stype", "sch.wide", "F", "dclus2")
chisq_case("chisq-clus1-domain-F", with_subset(S_CLUS1, "enroll > 300"),
           subset(dclus1, enroll > 300), "stype", "awards", "F", "subset(dclus1, enroll > 300)")
chisq_case("chisq-boot-F", S_BOOT, boot, "stype", "awards", "F", "boot")
chisq_case("chisq-boot-Wald", S_BOOT, boot, "stype", "awards", "Wald", "boot")
chisq_case("chisq-jkn-F", S_JKN, jkn, "sch.wide", "awards", "F", "jkn")
chisq_case("chisq-poststrat-F", S_PS, dclus1_ps, "sch.wide", "awards", "F", "dclus1_ps")
chisq_case("chisq-poststrat-Chisq", S_PS, dclus1_ps, "sch.wide", "awards", "Chisq", "dclus1_ps")
chisq_case("chisq-rake-adjWald", S_RAKE, dclus1_rake, "stype", "awards", "adjWald",
           "dclus1_rake")
chisq_case("chisq-strat-missing-F", S_STRAT, dstrat, "sch.wide", "acs_hi", "F", "dstrat",
           na_rm = TRUE)
chisq_case("chisq-strat-missing-Wald", S_STRAT, dstrat, "sch.wide", "acs_hi", "Wald", "dstrat",
           na_rm = TRUE)
chisq_case("chisq-srs-2x2-F", S_SRS, dsrs, "sch.wide", "awards", "F", "dsrs")

# ---------------------------------------------------------------- svyttest
ttest_case <- function(id, spec, design, variable, by, call_design, na_rm = FALSE) {
  f <- as.formula(sprintf("%s ~ %s", variable, if (is.null(by)) "0" else by))
  r <- svyttest(f, design)
  add(id, "ttest", spec, sprintf("svyttest(%s, %s)", deparse(f), call_design),
      list(variable = variable, by = by, na_rm = na_rm),
      list(estimate = unname(r$estimate), statistic = unname(r$statistic),
           df = unname(r$parameter), p_value = unname(r$p.value)))
}
ttest_case("ttest-strat", S_STRAT, dstrat, "api00", "sch.wide", "dstrat")
ttest_case("ttest-clus1", S_CLUS1, dclus1, "api00", "comp.imp", "dclus1")
ttest_case("ttest-clus2-missing", S_CLUS2, dclus2, "enroll", "yes", "dclus2", na_rm = TRUE)
ttest_case("ttest-jkn", S_JKN, jkn, "api00", "sch.wide", "jkn")
ttest_case("ttest-boot", S_BOOT, boot, "api00", "sch.wide", "boot")
ttest_case("ttest-domain", with_subset(S_STRAT, "stype == 'E'"), subset(dstrat, stype == "E"),
           "api00", "awards", "subset(dstrat, stype == 'E')")
ttest_case("ttest-poststrat", S_PS, dclus1_ps, "api00", "sch.wide", "dclus1_ps")
ttest_case("ttest-one-sample", S_STRAT, dstrat, "growth", NULL, "dstrat")
ttest_case("ttest-missing", S_STRAT, dstrat, "api00", "acs_hi", "dstrat", na_rm = TRUE)

# ---------------------------------------------------------------- regTermTest
wald_case <- function(id, spec, design, formula, family, terms, call_design, na_rm = FALSE,
                      method = "Wald") {
  fam <- if (family == "binomial") quasibinomial() else gaussian()
  m <- do.call(svyglm, list(formula = as.formula(formula), design = design, family = fam))
  r <- regTermTest(m, as.formula(paste("~", paste(terms, collapse = "+"))), method = method)
  result <- if (method == "Wald") {
    list(F = as.numeric(r$Ftest), df = r$df, ddf = r$ddf, p_value = as.numeric(r$p))
  } else {
    list(chisq = as.numeric(r$chisq), df = r$df, ddf = r$ddf, p_value = as.numeric(r$p))
  }
  add(id, "wald", spec,
      sprintf("regTermTest(svyglm(%s, %s, family=%s), ~%s, method='%s')", formula, call_design,
              if (family == "binomial") "quasibinomial()" else "gaussian()",
              paste(terms, collapse = "+"), method),
      list(formula = formula, family = family, terms = I(terms), na_rm = na_rm,
           method = method), result)
}
wald_case("wald-strat-factor", S_STRAT, dstrat, "api00 ~ ell + meals + stype", "gaussian",
          "stype", "dstrat")
wald_case("wald-strat-two-terms", S_STRAT, dstrat, "api00 ~ ell + meals + stype", "gaussian",
          c("ell", "meals"), "dstrat")
wald_case("wald-strat-logit", S_STRAT, dstrat, "yes ~ ell + meals + stype", "binomial",
          "stype", "dstrat")
wald_case("wald-clus1-interaction", S_CLUS1, dclus1, "api00 ~ ell * meals", "gaussian",
          "ell:meals", "dclus1")
wald_case("wald-jk1", S_JK1, jk1, "api00 ~ ell + meals + stype", "gaussian", "stype", "jk1")
wald_case("wald-poststrat", S_PS, dclus1_ps, "yes ~ ell + stype", "binomial", "stype",
          "dclus1_ps")
wald_case("lrt-strat-factor", S_STRAT, dstrat, "api00 ~ ell + meals + stype", "gaussian",
          "stype", "dstrat", method = "LRT")
wald_case("lrt-strat-logit", S_STRAT, dstrat, "yes ~ ell + meals + stype", "binomial",
          "stype", "dstrat", method = "LRT")
wald_case("lrt-clus1-logit", S_CLUS1, dclus1, "yes ~ ell + meals", "binomial", "ell",
          "dclus1", method = "LRT")
wald_case("wald-missing", S_STRAT, dstrat, "api00 ~ acs.k3 + meals + ell", "gaussian",
          c("acs.k3", "ell"), "dstrat", na_rm = TRUE)

olr_wald_case <- function(id, spec, design, formula, terms, call_design) {
  m <- do.call(svyolr, list(formula = as.formula(formula), design = design))
  r <- regTermTest(m, as.formula(paste("~", paste(terms, collapse = "+"))))
  add(id, "olrwald", spec, sprintf("regTermTest(svyolr(%s, %s), ~%s)", formula, call_design,
                                   paste(terms, collapse = "+")),
      list(formula = formula, terms = I(terms)),
      list(F = as.numeric(r$Ftest), df = r$df, ddf = r$ddf, p_value = as.numeric(r$p)))
}
olr_wald_case("olrwald-clus1-factor", S_CLUS1, dclus1, "g4 ~ ell + meals + stype", "stype",
              "dclus1")
olr_wald_case("olrwald-jkn", S_JKN, jkn, "g4 ~ ell + meals", c("ell", "meals"), "jkn")

# ---------------------------------------------------------------- svycontrast
contrast_case <- function(id, spec, source, stat, contrast, python_spec, call) {
  r <- svycontrast(stat, contrast)
  add(id, "contrast", spec, call, list(source = source, spec = python_spec),
      list(estimate = unname(as.numeric(coef(r))), se = unname(as.numeric(SE(r)))))
}
contrast_case("contrast-mean-linear", S_STRAT, list(statistic = "mean", variables = I(c("api00", "api99"))),
  svymean(~api00 + api99, dstrat), c(api00 = 1, api99 = -1), list(api00 = 1, api99 = -1),
  "svycontrast(svymean(~api00+api99, dstrat), c(api00=1, api99=-1))")
contrast_case("contrast-mean-ratio", S_STRAT, list(statistic = "mean", variables = I(c("api00", "api99"))),
  svymean(~api00 + api99, dstrat), quote(api00 / api99), "api00 / api99",
  "svycontrast(svymean(~api00+api99, dstrat), quote(api00/api99))")
contrast_case("contrast-total-log", S_CLUS1, list(statistic = "total", variables = I(c("enroll", "api.stu"))),
  svytotal(~enroll + api.stu, dclus1), quote(log(api.stu) - log(enroll)),
  "log(`api.stu`) - log(enroll)",
  "svycontrast(svytotal(~enroll+api.stu, dclus1), quote(log(api.stu) - log(enroll)))")
contrast_case("contrast-jkn-ratio", S_JKN, list(statistic = "mean", variables = I(c("api00", "api99"))),
  svymean(~api00 + api99, jkn), quote(api00 / api99), "api00 / api99",
  "svycontrast(svymean(~api00+api99, jkn), quote(api00/api99))")
m_glm <- svyglm(api00 ~ ell + meals + stype, dstrat)
contrast_case("contrast-glm-linear", S_STRAT,
  list(statistic = "glm", formula = "api00 ~ ell + meals + stype", family = "gaussian"),
  m_glm, c(0, 0, 0, 1, -1), list(`stype[T.H]` = 1, `stype[T.M]` = -1),
  "svycontrast(svyglm(api00 ~ ell + meals + stype, dstrat), c(0, 0, 0, 1, -1))")
m_logit <- svyglm(yes ~ ell + meals, dstrat, family = quasibinomial())
contrast_case("contrast-glm-nonlinear", S_STRAT,
  list(statistic = "glm", formula = "yes ~ ell + meals", family = "binomial"),
  m_logit, quote(exp(ell) / exp(meals)), "exp(ell) / exp(meals)",
  "svycontrast(svyglm(yes ~ ell + meals, dstrat, family=quasibinomial()), quote(exp(ell)/exp(meals)))")
contrast_case("contrast-poststrat-mean", S_PS, list(statistic = "mean", variables = I(c("api00", "api99"))),
  svymean(~api00 + api99, dclus1_ps), quote(api00 - 2 * api99 + api00^2 / 1000),
  "api00 - 2 * api99 + api00**2 / 1000",
  "svycontrast(svymean(~api00+api99, dclus1_ps), quote(api00 - 2*api99 + api00^2/1000))")

# ---------------------------------------------------------------- psrsq
psrsq_case <- function(id, spec, design, formula, family, method, call_design) {
  fam <- if (family == "binomial") quasibinomial() else quasipoisson()
  m <- do.call(svyglm, list(formula = as.formula(formula), design = design, family = fam))
  add(id, "psrsq", spec, sprintf("psrsq(svyglm(%s, %s, family=quasi%s()), method='%s')",
                                 formula, call_design, family, method),
      list(formula = formula, family = family, method = method),
      list(value = as.numeric(psrsq(m, method = method))))
}
psrsq_case("psrsq-strat-coxsnell", S_STRAT, dstrat, "yes ~ ell + meals", "binomial", "Cox-Snell", "dstrat")
psrsq_case("psrsq-strat-nagelkerke", S_STRAT, dstrat, "yes ~ ell + meals", "binomial", "Nagelkerke", "dstrat")
psrsq_case("psrsq-clus1-poisson", S_CLUS1, dclus1, "enroll ~ ell + meals", "poisson", "Cox-Snell", "dclus1")
psrsq_case("psrsq-jkn-nagelkerke", S_JKN, jkn, "yes ~ ell + stype", "binomial", "Nagelkerke", "jkn")

# ---------------------------------------------------------------- predict.svyglm
predict_case <- function(id, spec, design, data, formula, family, type, call_design) {
  fam <- switch(family, binomial = quasibinomial(), gaussian = gaussian())
  m <- do.call(svyglm, list(formula = as.formula(formula), design = design, family = fam))
  p <- predict(m, newdata = data[1:5, ], type = type)
  add(id, "predict", spec,
      sprintf("predict(svyglm(%s, %s, family=%s), newdata=data[1:5, ], type='%s')",
              formula, call_design, family, type),
      list(formula = formula, family = family, type = type, newdata_rows = I(0:4)),
      list(estimate = I(unname(as.numeric(coef(p)))), se = I(unname(sqrt(as.numeric(attr(p, "var")))))))
}
predict_case("predict-strat-response", S_STRAT, dstrat, apistrat, "yes ~ ell + meals + stype",
             "binomial", "response", "dstrat")
predict_case("predict-strat-link", S_STRAT, dstrat, apistrat, "yes ~ ell + meals + stype",
             "binomial", "link", "dstrat")
predict_case("predict-jkn-response", S_JKN, jkn, apistrat, "yes ~ ell + meals", "binomial",
             "response", "jkn")
predict_case("predict-clus1-gaussian", S_CLUS1, dclus1, apiclus1, "api00 ~ ell + meals",
             "gaussian", "response", "dclus1")

# ---------------------------------------------------------------- multinomial logit
# The weighted multinomial MLE by Newton-Raphson, independent of govstats; linearization by
# svyrecvar of the influence functions, replicate designs by refitting every replicate.
mlogit_fit <- function(X, y, w, K, start = NULL) {
  p <- ncol(X)
  beta <- if (is.null(start)) matrix(0, K - 1, p) else start
  w <- w / mean(w[w > 0])
  for (it in 1:100) {
    eta <- cbind(0, X %*% t(beta))
    P <- exp(eta - apply(eta, 1, max))
    P <- P / rowSums(P)
    Y <- outer(y, 1:K, "==") * 1
    grad <- as.vector(crossprod(X, w * (Y[, -1] - P[, -1])))
    info <- matrix(0, (K - 1) * p, (K - 1) * p)
    for (a in 1:(K - 1)) for (b in 1:(K - 1)) {
      cw <- P[, a + 1] * ((a == b) - P[, b + 1])
      info[(a - 1) * p + 1:p, (b - 1) * p + 1:p] <- crossprod(X, X * (w * cw))
    }
    step <- solve(info, grad)
    beta <- beta + matrix(step, K - 1, p, byrow = TRUE)
    if (max(abs(step)) < 1e-12 * (1 + max(abs(beta)))) break
  }
  list(beta = beta, P = P, info = info, Y = Y)
}
mlogit_case <- function(id, spec, design, data, formula, call_design) {
  mf <- model.frame(as.formula(formula), data)
  X <- model.matrix(as.formula(formula), mf)
  y <- as.integer(factor(model.response(mf)))
  lev <- levels(factor(model.response(mf)))
  K <- length(lev)
  p <- ncol(X)
  if (inherits(design, "svyrep.design")) {
    w <- weights(design, "sampling")
    fit <- mlogit_fit(X, y, w, K)
    est <- as.vector(t(fit$beta))
    rw <- weights(design, "analysis")
    reps <- t(apply(rw, 2, function(wr) as.vector(t(mlogit_fit(X, y, wr, K, fit$beta)$beta))))
    V <- svrVar(reps, design$scale, design$rscales, mse = design$mse, coef = est)
  } else {
    w <- weights(design)
    fit <- mlogit_fit(X, y, w, K)
    est <- as.vector(t(fit$beta))
    scores <- do.call(cbind, lapply(2:K, function(k) X * (w * (fit$Y[, k] - fit$P[, k]))))
    wn <- w / mean(w)
    infl <- scores %*% solve(fit$info * mean(w))
    V <- svyrecvar(infl, design$cluster, design$strata, design$fpc,
                   postStrata = design$postStrata)
  }
  nm <- as.vector(t(outer(lev[-1], colnames(X), paste, sep = ":")))
  nm <- sub("Intercept", "(Intercept)", sub("\\(Intercept\\)", "Intercept", nm))
  add(id, "mlogit", spec, sprintf("weighted multinomial MLE of %s on %s", formula, call_design),
      list(formula = formula),
      list(estimate = as.list(setNames(est, nm)), se = as.list(setNames(sqrt(diag(V)), nm))))
}
mlogit_case("mlogit-strat", S_STRAT, dstrat, apistrat, "stype ~ ell + meals", "dstrat")
mlogit_case("mlogit-clus1", S_CLUS1, dclus1, apiclus1, "stype ~ api00 + ell", "dclus1")
mlogit_case("mlogit-jkn", S_JKN, jkn, apistrat, "stype ~ ell + meals", "jkn")
mlogit_case("mlogit-jk1", S_JK1, jk1, apiclus1, "stype ~ api00 + ell", "jk1")

# ---------------------------------------------------------------- average marginal effects
# AME of a logit by refitting svyglm under every replicate weight (return.replicates=TRUE):
# theta_r = sum_i w_ri dlogis(x_i'b_r) b_r[v] / sum_i w_ri; discrete change of a factor level:
# sum_i w_ri (plogis(x_i(level)'b_r) - plogis(x_i(base)'b_r)) / sum_i w_ri.
margins_case <- function(id, spec, design, data, formula, variable, call_design) {
  m <- svyglm(as.formula(formula), design, family = quasibinomial(), return.replicates = TRUE)
  X <- model.matrix(m)
  effect <- function(b, w) {
    if (variable == "ell") return(sum(w * dlogis(X %*% b) * b["ell"]) / sum(w))
    Xh <- X; Xh[, "stypeH"] <- 1; Xh[, "stypeM"] <- 0
    Xe <- X; Xe[, "stypeH"] <- 0; Xe[, "stypeM"] <- 0
    sum(w * (plogis(Xh %*% b) - plogis(Xe %*% b))) / sum(w)
  }
  w <- weights(design, "sampling")
  est <- effect(coef(m), w)
  rw <- weights(design, "analysis")
  reps <- sapply(seq_len(ncol(rw)), function(r) {
    effect(setNames(as.numeric(m$replicates[r, ]), names(coef(m))), rw[, r])
  })
  V <- svrVar(reps, design$scale, design$rscales, mse = design$mse, coef = est)
  name <- if (variable == "ell") "ell" else "stypeH"
  add(id, "margins", spec, sprintf("AME of %s in svyglm(%s, %s, quasibinomial) by replicates",
                                   name, formula, call_design),
      list(formula = formula, variables = variable, kind = "ame"),
      list(estimate = setNames(list(est), name), se = setNames(list(sqrt(as.numeric(V))), name)))
}
# Linearization (Stata's vce(unconditional)): the AME's influence is its own weighted
# deviation plus the coefficients' influence (svyglm's estfun times cov.unscaled) times the
# AME's gradient, computed analytically here; its variance is svyrecvar of the sum.
margins_lin_case <- function(id, spec, design, formula, call_design) {
  m <- do.call(svyglm, list(formula = as.formula(formula), design = design,
                            family = quasibinomial()))
  X <- model.matrix(m)
  b <- coef(m)
  w <- weights(design, "sampling")[as.numeric(rownames(X))]
  if (length(w) != nrow(X)) w <- weights(design, "sampling")
  eta <- drop(X %*% b)
  g <- dlogis(eta) * b[["ell"]]
  est <- sum(w * g) / sum(w)
  dlogis_prime <- dlogis(eta) * (1 - 2 * plogis(eta))
  grad <- colSums(w * dlogis_prime * b[["ell"]] * X) / sum(w)
  grad[["ell"]] <- grad[["ell"]] + sum(w * dlogis(eta)) / sum(w)
  mu <- plogis(eta)
  estfun <- X * (w * (m$y - mu))
  infl_beta <- estfun %*% solve(crossprod(X, X * (w * mu * (1 - mu))))
  infl <- w * (g - est) / sum(w) + drop(infl_beta %*% grad)
  V <- svyrecvar(matrix(infl, ncol = 1), design$cluster, design$strata, design$fpc,
                 postStrata = design$postStrata)
  add(id, "margins", spec, sprintf("AME of ell in svyglm(%s, %s, quasibinomial), linearized",
                                   formula, call_design),
      list(formula = formula, variables = "ell", kind = "ame"),
      list(estimate = list(ell = est), se = list(ell = sqrt(as.numeric(V)))))
}
margins_lin_case("margins-strat-lin-ell", S_STRAT, dstrat, "yes ~ ell + meals + stype", "dstrat")
margins_lin_case("margins-clus1-lin-ell", S_CLUS1, dclus1, "yes ~ ell + meals", "dclus1")
margins_lin_case("margins-poststrat-lin-ell", S_PS, dclus1_ps, "yes ~ ell + meals", "dclus1_ps")
margins_case("margins-jkn-ell", S_JKN, jkn, apistrat, "yes ~ ell + meals + stype", "ell", "jkn")
margins_case("margins-jkn-stype", S_JKN, jkn, apistrat, "yes ~ ell + meals + stype", "stype", "jkn")
margins_case("margins-boot-ell", S_BOOT, boot, apiclus1, "yes ~ ell + meals + stype", "ell", "boot")

doc <- list(
  description = paste(
    "R survey reference cases for design-based ordinal models, tests of tables, t tests,",
    "Wald tests of terms, contrasts, pseudo-R2, predictions, a multinomial logit (weighted MLE",
    "by Newton-Raphson with svyrecvar / replicate refits) and replicate AMEs."),
  generator = "tests/reference/generate_models.R",
  r_version = R.version.string,
  survey_version = as.character(packageVersion("survey")),
  mass_version = as.character(packageVersion("MASS")),
  derived_columns = list(
    g4 = "factor(cut(api00, c(-Inf, 550, 650, 750, Inf), labels = FALSE))",
    stype_o = "factor(stype, levels = c('E', 'M', 'H'), ordered = TRUE)",
    yes = "as.numeric(sch.wide == 'Yes')",
    acs_hi = "ifelse(acs.k3 > 20, 'high', 'low')"),
  cases = cases)
writeLines(toJSON(doc, auto_unbox = TRUE, digits = I(17), null = "null", pretty = TRUE),
           file.path(out_dir, "models_cases.json"))
cat(length(cases), "cases written\n")
