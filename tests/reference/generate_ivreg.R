# Generate tests/reference/ivreg_cases.json: R `survey::svyivreg` reference cases for
# SurveyDesign.ivreg (weighted two-stage least squares with design-based variances).
#
# Versions used for the committed file: R 4.2.2 Patched (2022-11-10 r83330),
# survey 4.1-1, AER 1.2-10, jsonlite (Debian bookworm r-cran-* packages).
#
# Run from the repository root:
#     Rscript tests/reference/generate_ivreg.R
#
# Every case stores the R call, the linearmodels-style formula that states the same model
# (`y ~ 1 + exog + [endog ~ instruments]`), and R's coefficients, standard errors,
# covariance and (linearization designs) residual df = degf(design) + 1 - p.
#
# What R computes (survey:::svyivreg.survey.design): AER::ivreg with the sampling weights
# (after calibration, weights(design, "sampling")), then the influence functions
# U = estfun(ivreg) / w = e * Xhat (structural residual times the projected regressors)
# times (Xhat' W Xhat)^{-1}, and vcov(svytotal(U, design)): the design covariance of their
# weighted totals with strata, clusters and fpc. Replicate designs
# (svyivreg.svyrep.design) refit ivreg under every replicate weight and apply svrVar.
# Bootstrap replicate weights are random, so they are stored (weights(design,
# "analysis")) to reproduce them exactly.
#
# A note on R's printed standard errors. survey 4.1-1 defines vcov.svyivreg (returning the
# design covariance it stores in cov.unscaled) but does not register it as an S3 method,
# so vcov(fit) and summary(fit) dispatch to AER's vcov.ivreg, which multiplies that design
# covariance by sigma^2 (the weighted residual variance rescaled by the mean weight). The
# cases store the design covariance itself, fit$cov.unscaled, as `vcov`/`se` (t and p
# from it on the residual df), and what vcov(fit) returns as `se_from_r_vcov_dispatch`
# with `sigma`, so that the relation se_from_r_vcov_dispatch = sigma * se can be checked.

suppressPackageStartupMessages({
  library(survey)
  library(AER)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
out_dir <- if (length(script)) dirname(normalizePath(script)) else "tests/reference"

data(api)
options(survey.lonely.psu = "fail", survey.replicates.mse = FALSE,
        survey.adjust.domain.lonely = FALSE, survey.ultimate.cluster = FALSE)

matrix_json <- function(m) {
  m <- as.matrix(m)
  list(rownames = if (is.null(rownames(m))) paste0("row", seq_len(nrow(m))) else rownames(m),
       colnames = if (is.null(colnames(m))) paste0("rep", seq_len(ncol(m))) else colnames(m),
       data = unname(lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ])))))
}
named <- function(x, nm) stats::setNames(as.list(as.numeric(x)), nm)

design_spec <- function(obj, name, description, type, data_file, ids = character(0),
                        strata = NULL, weights = NULL, fpc = character(0), call,
                        replicate = NULL, calibration = NULL) {
  list(description = description, type = type,
       data_file = paste0("shared/reference/data/", data_file),
       ids = I(ids), strata = strata, weights = weights, probs = NULL, fpc = I(fpc),
       nest = FALSE, replicate = replicate, calibration = calibration, subset = NULL,
       r_design_call = call, r_object_name = name, design_df = degf(obj),
       lonely_psu_option = "fail", replicates_mse_option = FALSE,
       adjust_domain_lonely_option = FALSE)
}

replicate_spec <- function(rep, type, from, store_weights = FALSE) {
  out <- list(type = type, converted_from = from, n_replicates = ncol(rep$repweights),
              scale = rep$scale, rscales = I(as.numeric(rep$rscales)), mse = rep$mse)
  if (store_weights) out$replicate_weights <- matrix_json(weights(rep, "analysis"))
  out
}

cases <- list()
add_case <- function(case_id, dataset, spec, design, r_formula, formula, notes = NULL) {
  call <- sprintf("svyivreg(%s, design=%s)", r_formula, spec$r_object_name)
  fit <- svyivreg(as.formula(r_formula), design)
  est <- coef(fit)
  # the design covariance svyivreg stores (see the note at the top of this file)
  V <- if (inherits(fit, "svyivreg")) fit$cov.unscaled else as.matrix(vcov(fit))
  case <- list(case_id = case_id, dataset = dataset, design = spec, estimator = "svyivreg",
               variables = I(all.vars(as.formula(r_formula))), r_formula = r_formula, formula = formula, r_call = call, status = "ok",
               estimate = named(est, names(est)), se = named(sqrt(diag(V)), names(est)),
               vcov = list(rownames = names(est), colnames = names(est),
                           data = unname(lapply(seq_len(nrow(V)), function(i) as.numeric(V[i, ])))))
  if (inherits(fit, "svyivreg")) {
    case$df <- fit$df.residual
    case$df_meaning <- "degf(design) + 1 - number of coefficients (summary.svyivreg t tests)"
    tval <- est / sqrt(diag(V))
    case$t_value <- named(tval, names(est))
    case$p_value <- named(2 * pt(-abs(tval), fit$df.residual), names(est))
    case$sigma <- fit$sigma
    case$se_from_r_vcov_dispatch <- named(sqrt(diag(as.matrix(vcov(fit)))), names(est))
  } else {
    case$df <- NULL
    case$df_meaning <- "replicate designs return an svrepstat (coefficients and vcov only)"
  }
  # first-stage partial F of the excluded instruments: regTermTest (design Wald F) of the
  # svyglm first stage of every endogenous regressor
  parts <- strsplit(r_formula, "\\|")[[1]]
  rhs <- trimws(parts[2])
  regs <- all.vars(as.formula(paste("~", strsplit(parts[1], "~")[[1]][2])))
  insts <- all.vars(as.formula(paste("~", rhs)))
  endog <- setdiff(regs, insts)
  excluded <- setdiff(insts, regs)
  fs <- list()
  for (v in endog) {
    f1 <- svyglm(as.formula(paste(v, "~", rhs)), design)
    tt <- regTermTest(f1, as.formula(paste("~", paste(excluded, collapse = "+"))))
    fs[[v]] <- list(F = as.numeric(tt$Ftest), df = tt$df, ddf = tt$ddf, p = as.numeric(tt$p))
  }
  case$first_stage_f <- fs
  case$first_stage_call <- sprintf("regTermTest(svyglm(endog ~ %s, %s), ~%s)", rhs,
                                   spec$r_object_name, paste(excluded, collapse = "+"))
  if (inherits(fit, "svyivreg")) {
    # control-function Durbin-Wu-Hausman: first-stage residuals added to the structural
    # equation, design Wald test of their coefficients (linearization designs: the
    # residuals held fixed, which is the sandwich under the null)
    dd <- design
    vh <- character(0)
    for (v in endog) {
      f1 <- svyglm(as.formula(paste(v, "~", rhs)), design)
      nm <- paste0(".vhat_", make.names(v))
      dd$variables[[nm]] <- as.numeric(resid(f1, type = "response"))
      vh <- c(vh, nm)
    }
    f2 <- svyglm(as.formula(paste(strsplit(parts[1], "~")[[1]][1], "~",
                                  paste(c(regs, vh), collapse = "+"))), dd)
    tt <- regTermTest(f2, as.formula(paste("~", paste(vh, collapse = "+"))))
    case$dwh <- list(F = as.numeric(tt$Ftest), df = tt$df, ddf = tt$ddf, p = as.numeric(tt$p),
                     coef = I(as.numeric(coef(f2)[vh])), se = I(as.numeric(SE(f2)[vh])))
  }
  if (!is.null(notes)) case$notes <- notes
  cases[[length(cases) + 1]] <<- case
}

# ---------------------------------------------------------------- designs
dsrs <- svydesign(id = ~1, fpc = ~fpc, data = apisrs)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dstrat_nofpc <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dclus1_wr <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1)
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
dclus2w <- svydesign(id = ~dnum + snum, weights = ~pw, data = apiclus2)

S_SRS <- design_spec(dsrs, "dsrs", "Simple random sample of 200 schools, fpc 6194 (weights from fpc).",
  "taylor_linearization", "apisrs.csv", fpc = "fpc",
  call = "dsrs <- svydesign(id=~1, fpc=~fpc, data=apisrs)")
S_STRAT <- design_spec(dstrat, "dstrat", "Stratified by stype, weights pw, fpc (stratum sizes).",
  "taylor_linearization", "apistrat.csv", strata = "stype", weights = "pw", fpc = "fpc",
  call = "dstrat <- svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat, fpc=~fpc)")
S_STRAT_NOFPC <- design_spec(dstrat_nofpc, "dstrat_nofpc", "Stratified by stype, weights pw, with replacement.",
  "taylor_linearization", "apistrat.csv", strata = "stype", weights = "pw",
  call = "dstrat_nofpc <- svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat)")
S_CLUS1 <- design_spec(dclus1, "dclus1", "One-stage cluster sample of 15 districts (dnum), weights pw, fpc 757.",
  "taylor_linearization", "apiclus1.csv", ids = "dnum", weights = "pw", fpc = "fpc",
  call = "dclus1 <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)")
S_CLUS1_WR <- design_spec(dclus1_wr, "dclus1_wr", "One-stage cluster sample of 15 districts, weights pw, with replacement (unstratified: the linearmodels clustered comparison).",
  "taylor_linearization", "apiclus1.csv", ids = "dnum", weights = "pw",
  call = "dclus1_wr <- svydesign(id=~dnum, weights=~pw, data=apiclus1)")
S_CLUS2 <- design_spec(dclus2, "dclus2", "Two-stage cluster sample (districts, then schools), fpc at both stages.",
  "taylor_linearization", "apiclus2.csv", ids = c("dnum", "snum"), fpc = c("fpc1", "fpc2"),
  call = "dclus2 <- svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=apiclus2)")
S_CLUS2W <- design_spec(dclus2w, "dclus2w", "Two-stage cluster sample, weights pw, with replacement.",
  "taylor_linearization", "apiclus2.csv", ids = c("dnum", "snum"), weights = "pw",
  call = "dclus2w <- svydesign(id=~dnum+snum, weights=~pw, data=apiclus2)")

# ---------------------------------------------------------------- linearization cases
add_case("IV-srs-meals-nothsg", "apisrs", S_SRS, dsrs,
  "api00 ~ ell + meals | ell + not.hsg", "api00 ~ 1 + ell + [meals ~ Q('not.hsg')]")
add_case("IV-strat-meals-avged", "apistrat", S_STRAT, dstrat,
  "api00 ~ ell + meals | ell + avg.ed", "api00 ~ 1 + ell + [meals ~ Q('avg.ed')]")
add_case("IV-strat-meals-emer", "apistrat", S_STRAT, dstrat,
  "api00 ~ ell + meals | ell + emer", "api00 ~ 1 + ell + [meals ~ emer]")
add_case("IV-strat-overid", "apistrat", S_STRAT, dstrat,
  "api00 ~ ell + meals | ell + not.hsg + col.grad + full",
  "api00 ~ 1 + ell + [meals ~ Q('not.hsg') + Q('col.grad') + full]",
  notes = "over-identified: three instruments for one endogenous regressor")
add_case("IV-strat-nofpc-two-endog", "apistrat", S_STRAT_NOFPC, dstrat_nofpc,
  "api00 ~ ell + meals + mobility | ell + not.hsg + col.grad + emer",
  "api00 ~ 1 + ell + [meals + mobility ~ Q('not.hsg') + Q('col.grad') + emer]",
  notes = "two endogenous regressors")
add_case("IV-clus1-meals-full", "apiclus1", S_CLUS1, dclus1,
  "api00 ~ ell + meals | ell + full", "api00 ~ 1 + ell + [meals ~ full]")
add_case("IV-clus1wr-meals-full", "apiclus1", S_CLUS1_WR, dclus1_wr,
  "api00 ~ ell + meals | ell + full", "api00 ~ 1 + ell + [meals ~ full]")
add_case("IV-clus2-meals-nothsg", "apiclus2", S_CLUS2, dclus2,
  "api00 ~ ell + meals | ell + not.hsg", "api00 ~ 1 + ell + [meals ~ Q('not.hsg')]",
  notes = "two-stage design with fpc at both stages: the second stage adds its variance")
add_case("IV-clus2w-meals-nothsg", "apiclus2", S_CLUS2W, dclus2w,
  "api00 ~ ell + meals | ell + not.hsg", "api00 ~ 1 + ell + [meals ~ Q('not.hsg')]")
add_case("IV-clus1-factor-exog", "apiclus1", S_CLUS1, dclus1,
  "api00 ~ stype + meals | stype + full", "api00 ~ 1 + stype + [meals ~ full]",
  notes = "a factor among the exogenous regressors: R names stypeH, stypeM")

# post-stratified on school type (population counts from apipop)
pop_types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
dclus1_ps <- postStratify(dclus1, ~stype, pop_types)
S_CLUS1_PS <- design_spec(dclus1_ps, "dclus1_ps", "dclus1 post-stratified on stype (E 4421, H 755, M 1018).",
  "taylor_linearization", "apiclus1.csv", ids = "dnum", weights = "pw", fpc = "fpc",
  call = "dclus1_ps <- postStratify(dclus1, ~stype, data.frame(stype=c('E','H','M'), Freq=c(4421,755,1018)))",
  calibration = list(method = "postStratify", variables = I("stype"),
                     population_counts = list(E = 4421, H = 755, M = 1018)))
add_case("IV-clus1-poststrat", "apiclus1", S_CLUS1_PS, dclus1_ps,
  "api00 ~ ell + meals | ell + full", "api00 ~ 1 + ell + [meals ~ full]",
  notes = "calibrated design: the variance uses the calibration residuals of the influence functions")

# ---------------------------------------------------------------- replicate cases
rstrat_jkn <- as.svrepdesign(dstrat, type = "JKn")
add_case("IV-strat-JKn", "apistrat",
  design_spec(rstrat_jkn, "rstrat_jkn", "dstrat as a JKn replicate design.",
    "replicate", "apistrat.csv", strata = "stype", weights = "pw", fpc = "fpc",
    call = "rstrat_jkn <- as.svrepdesign(dstrat, type='JKn')",
    replicate = replicate_spec(rstrat_jkn, "JKn", "dstrat")),
  rstrat_jkn, "api00 ~ ell + meals | ell + emer", "api00 ~ 1 + ell + [meals ~ emer]")
rclus1_jk1 <- as.svrepdesign(dclus1, type = "JK1")
add_case("IV-clus1-JK1", "apiclus1",
  design_spec(rclus1_jk1, "rclus1_jk1", "dclus1 as a JK1 replicate design (fpc enters the scale).",
    "replicate", "apiclus1.csv", ids = "dnum", weights = "pw", fpc = "fpc",
    call = "rclus1_jk1 <- as.svrepdesign(dclus1, type='JK1')",
    replicate = replicate_spec(rclus1_jk1, "JK1", "dclus1")),
  rclus1_jk1, "api00 ~ ell + meals | ell + full", "api00 ~ 1 + ell + [meals ~ full]")
rstrat2_jkn <- as.svrepdesign(dstrat_nofpc, type = "JKn")
add_case("IV-strat-nofpc-JKn-overid", "apistrat",
  design_spec(rstrat2_jkn, "rstrat2_jkn", "dstrat_nofpc as a JKn replicate design.",
    "replicate", "apistrat.csv", strata = "stype", weights = "pw",
    call = "rstrat2_jkn <- as.svrepdesign(dstrat_nofpc, type='JKn')",
    replicate = replicate_spec(rstrat2_jkn, "JKn", "dstrat_nofpc")),
  rstrat2_jkn, "api00 ~ ell + meals | ell + not.hsg + emer",
  "api00 ~ 1 + ell + [meals ~ Q('not.hsg') + emer]")
set.seed(20261202)
rclus1_boot <- as.svrepdesign(dclus1, type = "bootstrap", replicates = 50)
add_case("IV-clus1-bootstrap", "apiclus1",
  design_spec(rclus1_boot, "rclus1_boot", "dclus1 as a Rao-Wu bootstrap (50 replicates; weights stored).",
    "replicate", "apiclus1.csv", ids = "dnum", weights = "pw", fpc = "fpc",
    call = "set.seed(20261202); rclus1_boot <- as.svrepdesign(dclus1, type='bootstrap', replicates=50)",
    replicate = replicate_spec(rclus1_boot, "bootstrap", "dclus1", store_weights = TRUE)),
  rclus1_boot, "api00 ~ ell + meals | ell + full", "api00 ~ 1 + ell + [meals ~ full]")

doc <- list(
  title = "R survey::svyivreg reference cases",
  reference_implementation = paste0("R ", R.version$major, ".", R.version$minor, ", survey ",
                                    packageVersion("survey"), ", AER ", packageVersion("AER")),
  data_files_relative_to = "tests/reference/data (data_file names shared/reference/data/<file>)",
  field_guide = list(
    formula = "the same model in linearmodels' formula syntax (govstats SurveyDesign.ivreg)",
    r_formula = "AER::ivreg formula: regressors | instruments (exogenous regressors repeated)",
    estimate = "coef(svyivreg(...)), R names", se = "sqrt(diag(vcov(...)))",
    df = "linearization only: degf(design) + 1 - p"),
  n_cases = length(cases), cases = cases)
writeLines(toJSON(doc, auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null"),
           file.path(out_dir, "ivreg_cases.json"))
cat("wrote", length(cases), "cases\n")
