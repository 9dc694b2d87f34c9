# Generate tests/reference/survey_cases_extra.json: more R `survey` reference cases in
# exactly the schema of survey_cases.json (design{...}, estimator, variables, options,
# r_call, status, estimate, se, vcov, df, plus deff / dispersion / t_value where R reports
# them).
#
# Versions used for the committed file: R 4.2.2 Patched (2022-11-10 r83330),
# survey 4.1-1, jsonlite (Debian bookworm r-cran-* packages).
#
# Run from the repository root:
#     Rscript tests/reference/generate_survey_extra.R
#
# Every case is written by one helper (`add_case`) from the R objects themselves, so
# the names, estimates, standard errors, covariances and degrees of freedom are what
# R returns for the call recorded in `r_call`. Replicate designs whose weights R draws
# at random (bootstrap) or that are supplied by the user store the full replicate
# weights (weights(design, "analysis")) so that they can be reproduced exactly.

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
out_dir <- if (length(script)) dirname(normalizePath(script)) else "tests/reference"

data(api)
data(scd)
options(survey.lonely.psu = "fail", survey.replicates.mse = FALSE,
        survey.adjust.domain.lonely = FALSE, survey.ultimate.cluster = FALSE)

FPC_MEANING <- paste(
  "survey::svydesign convention: fpc values > 1 are population sizes (number of PSUs in",
  "the stratum at that stage); values <= 1 would be sampling fractions")
VAR_FORMULA <- paste(
  "var = scale * sum_r rscales[r] * (theta_r - center)^2 with center = mean of replicate",
  "estimates when mse=FALSE, or the full-sample estimate when mse=TRUE")

cases <- list()

# ---------------------------------------------------------------- helpers
matrix_json <- function(m) {
  m <- as.matrix(m)
  list(rownames = if (is.null(rownames(m))) paste0("row", seq_len(nrow(m))) else rownames(m),
       colnames = if (is.null(colnames(m))) paste0("rep", seq_len(ncol(m))) else colnames(m),
       data = unname(lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ])))))
}

named <- function(x, nm) {
  x <- as.numeric(x)
  stats::setNames(as.list(x), nm)
}

design_spec <- function(obj, name, description, type, data_file, ids = character(0),
                        strata = NULL, weights = NULL, probs = NULL, fpc = character(0),
                        nest = FALSE, call, replicate = NULL, calibration = NULL,
                        subset = NULL, weights_note = NULL, lonely = "fail",
                        adjust_domain = FALSE, mse_option = FALSE) {
  list(
    description = description,
    type = type,
    data_file = paste0("shared/reference/data/", data_file),
    ids = I(ids),
    ids_formula = if (length(ids)) paste0("~", paste(ids, collapse = "+")) else "~1",
    strata = strata,
    weights = weights,
    probs = probs,
    fpc = I(fpc),
    fpc_formula = if (length(fpc)) paste0("~", paste(fpc, collapse = "+")) else NULL,
    fpc_meaning = if (length(fpc)) FPC_MEANING else NULL,
    nest = nest,
    weights_note = weights_note,
    replicate = replicate,
    calibration = calibration,
    subset = subset,
    r_design_call = call,
    r_object_name = name,
    design_df = degf(obj),
    n_rows_in_design_object = nrow(obj),
    lonely_psu_option = lonely,
    replicates_mse_option = mse_option,
    adjust_domain_lonely_option = adjust_domain
  )
}

replicate_spec <- function(rep, type, from, store_weights = FALSE, fay_rho = NULL,
                           construction = NULL) {
  out <- list(type = type, converted_from = from, n_replicates = ncol(rep$repweights),
              scale = rep$scale, rscales = I(as.numeric(rep$rscales)), mse = rep$mse,
              variance_formula = VAR_FORMULA)
  if (!is.null(fay_rho)) out$fay_rho <- fay_rho
  if (!is.null(construction)) out$construction <- construction
  if (store_weights) {
    out$replicate_weights <- matrix_json(weights(rep, "analysis"))
    out$replicate_weights_note <- paste(
      "rows in the data file's order; full replicate weights (sampling weight x replicate",
      "factor) as weights(design, 'analysis') returns them. Use them to reproduce exactly.")
  }
  out
}

# Record one case: `res` is the R result (svystat, svyby, svyratio, svyquantile, svyvar,
# svyglm) or an error condition.
add_case <- function(case_id, dataset, design, estimator, variables, options, r_call, res,
                     notes = NULL, extra = list()) {
  case <- list(case_id = case_id, dataset = dataset, design = design, estimator = estimator,
               variables = I(variables), options = if (length(options)) options else
                 structure(list(), names = character(0)),
               r_call = r_call)
  if (inherits(res, "error")) {
    case$status <- "error"
    case$error_message <- conditionMessage(res)
  } else {
    case$status <- "ok"
    if (inherits(res, "svyglm")) {
      est <- coef(res)
      V <- vcov(res)
      s <- summary(res)
      case$estimate <- named(est, names(est))
      case$se <- named(sqrt(diag(V)), names(est))
      case$vcov <- list(rownames = names(est), colnames = names(est),
                        data = unname(lapply(seq_len(nrow(V)), function(i) as.numeric(V[i, ]))))
      case$df <- res$df.residual
      case$df_meaning <- paste("svyglm residual df = degf(design) + 1 - number of",
                               "coefficients (used for t tests in summary.svyglm)")
      case$t_value <- named(s$coefficients[, 3], rownames(s$coefficients))
      case$p_value <- named(s$coefficients[, 4], rownames(s$coefficients))
      case$dispersion <- as.numeric(s$dispersion)
      case$n_obs_used <- length(res$y)
    } else {
      est <- coef(res)
      se <- as.numeric(as.matrix(SE(res)))
      nm <- names(est)
      if (inherits(res, c("svyvar", "svrepvar"))) {
        nm <- paste(rep(rownames(as.matrix(coef(res))), ncol(as.matrix(coef(res)))),
                    rep(colnames(as.matrix(coef(res))), each = nrow(as.matrix(coef(res)))),
                    sep = ":")
        est <- as.vector(as.matrix(coef(res)))
        se <- as.vector(as.matrix(se))
        if (length(est) == 1) nm <- rownames(as.matrix(coef(res)))
      }
      if (inherits(res, "newsvyquantile") && length(res) == 1) {
        # one variable: name the quantiles by their probabilities only, as survey_cases.json
        nm <- sub(paste0("^", names(res), "\\."), "", nm)
      }
      case$estimate <- named(est, nm)
      case$se <- named(se, nm)
      if (inherits(res, "svyby")) {
        case$domain_labels <- I(rownames(as.data.frame(res)))
      } else if (length(est) > 1 && !inherits(res, "newsvyquantile")) {
        V <- as.matrix(vcov(res))
        case$vcov <- list(rownames = nm, colnames = nm,
                          data = unname(lapply(seq_len(nrow(V)), function(i) as.numeric(V[i, ]))))
      }
      if (inherits(res, "newsvyquantile")) {
        ci <- confint(res)
        case$ci_lower <- named(ci[, 1], nm)
        case$ci_upper <- named(ci[, 2], nm)
        case$ci_level <- 0.95
      }
      if (!is.null(options$deff) && !isFALSE(options$deff)) {
        d <- deff(res)
        case$deff <- named(if (inherits(res, "svyby")) as.vector(as.matrix(d)) else d, nm)
      }
      case$df <- degf(design_obj_for_df)
    }
  }
  if (!is.null(notes)) case$notes <- notes
  for (k in names(extra)) case[[k]] <- extra[[k]]
  cases[[length(cases) + 1]] <<- case
}

# `design_obj_for_df` is the design the estimator ran on (degf of it is R's df).
run <- function(expr) tryCatch(expr, error = function(e) e)

# ---------------------------------------------------------------- designs
dsrs <- svydesign(id = ~1, fpc = ~fpc, data = apisrs)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
dclus2w <- svydesign(id = ~dnum + snum, weights = ~pw, data = apiclus2)

S_SRS <- design_spec(dsrs, "dsrs",
  "Simple random sample of 200 schools without replacement: each row its own PSU, no weights argument (weights N/n from fpc), fpc = population size 6194.",
  "taylor_linearization", "apisrs.csv", fpc = "fpc",
  call = "dsrs <- svydesign(id=~1, fpc=~fpc, data=apisrs)",
  weights_note = "weights implied by fpc: 6194/200 for every row")
S_STRAT <- design_spec(dstrat, "dstrat",
  "Stratified simple random sample of schools: strata = stype (E/H/M), each row its own PSU, sampling weights pw, finite population correction from fpc (stratum population sizes).",
  "taylor_linearization", "apistrat.csv", strata = "stype", weights = "pw", fpc = "fpc",
  call = "dstrat <- svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat, fpc=~fpc)")
S_CLUS1 <- design_spec(dclus1, "dclus1",
  "One-stage cluster sample: PSU = school district dnum, weights pw, fpc = number of districts (757).",
  "taylor_linearization", "apiclus1.csv", ids = "dnum", weights = "pw", fpc = "fpc",
  call = "dclus1 <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)",
  weights_note = "survey package docs: the apiclus1 weights are 'incorrect (the weight should be 757/15) but are as obtained from UCLA'. Use pw exactly as in the CSV.")
S_CLUS2 <- design_spec(dclus2, "dclus2",
  "Two-stage cluster sample: stage 1 PSU = district (dnum), population size fpc1; stage 2 SSU = school (snum) within district, population size fpc2. No weights argument: weights are 1/(prob1*prob2) derived from fpc.",
  "taylor_linearization", "apiclus2.csv", ids = c("dnum", "snum"), fpc = c("fpc1", "fpc2"),
  call = "dclus2 <- svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=apiclus2)",
  weights_note = "weights implied by fpc; they equal column pw to within 6e-14")
S_CLUS2W <- design_spec(dclus2w, "dclus2w",
  "Two-stage cluster sample without fpc: PSU = district dnum, SSU = school snum, weights pw (with-replacement variance: only the first stage contributes).",
  "taylor_linearization", "apiclus2.csv", ids = c("dnum", "snum"), weights = "pw",
  call = "dclus2w <- svydesign(id=~dnum+snum, weights=~pw, data=apiclus2)")

with_subset <- function(spec, obj, name, expression, call) {
  spec$subset <- list(expression = expression, rows_in_domain = sum(weights(obj) != 0),
    method = "subset(design, ...) keeps the full design (out-of-domain rows get zero weight) so the variance is the correct domain variance")
  spec$r_design_call <- paste(spec$r_design_call, call, sep = "; ")
  spec$r_object_name <- name
  spec$design_df <- degf(obj)
  spec
}

# ---------------------------------------------------------------- SRS
design_obj_for_df <- dsrs
add_case("X-srs-mean-api00-deff", "apisrs", S_SRS, "svymean", "api00", list(deff = TRUE),
         "svymean(~api00, dsrs, deff=TRUE)", svymean(~api00, dsrs, deff = TRUE),
         notes = "deff = design variance / SRS-without-replacement variance (1 for an SRS)")
add_case("X-srs-total-enroll", "apisrs", S_SRS, "svytotal", "enroll", list(),
         "svytotal(~enroll, dsrs)", svytotal(~enroll, dsrs))
add_case("X-srs-mean-api00-api99-meals", "apisrs", S_SRS, "svymean", c("api00", "api99", "meals"),
         list(), "svymean(~api00+api99+meals, dsrs)", svymean(~api00 + api99 + meals, dsrs))
add_case("X-srs-quantile-api00", "apisrs", S_SRS, "svyquantile", "api00",
         list(quantiles = c(0.1, 0.5, 0.9), interval.type = "mean", qrule = "math",
              alpha = 0.05, ci = TRUE, df = "NULL -> degf(design)"),
         "svyquantile(~api00, dsrs, quantiles=c(0.1, 0.5, 0.9))",
         svyquantile(~api00, dsrs, quantiles = c(0.1, 0.5, 0.9)))
add_case("X-srs-ratio-apistu-enroll", "apisrs", S_SRS, "svyratio", c("api.stu", "enroll"),
         list(), "svyratio(~api.stu, ~enroll, dsrs)", svyratio(~api.stu, ~enroll, dsrs),
         extra = list(ratio_numerator_denominator = list(numerator = I("api.stu"),
                                                         denominator = I("enroll"))))
add_case("X-srs-var-api00", "apisrs", S_SRS, "svyvar", "api00", list(),
         "svyvar(~api00, dsrs)", svyvar(~api00, dsrs),
         notes = "population variance estimate (weighted, n/(n-1)) and its linearization SE")

# ---------------------------------------------------------------- stratified
design_obj_for_df <- dstrat
add_case("X-strat-mean-multi-deff", "apistrat", S_STRAT, "svymean", c("api00", "api99"),
         list(deff = TRUE), "svymean(~api00+api99, dstrat, deff=TRUE)",
         svymean(~api00 + api99, dstrat, deff = TRUE))
add_case("X-strat-total-enroll-deff", "apistrat", S_STRAT, "svytotal", "enroll",
         list(deff = TRUE), "svytotal(~enroll, dstrat, deff=TRUE)",
         svytotal(~enroll, dstrat, deff = TRUE))
add_case("X-strat-total-schwide-factor", "apistrat", S_STRAT, "svytotal (factor -> counts)",
         "sch.wide", list(), "svytotal(~sch.wide, dstrat)", svytotal(~sch.wide, dstrat))
add_case("X-strat-mean-acsk3-narm", "apistrat", S_STRAT, "svymean", "acs.k3",
         list(na.rm = TRUE), "svymean(~acs.k3, dstrat, na.rm=TRUE)",
         svymean(~acs.k3, dstrat, na.rm = TRUE), notes = "acs.k3 is missing for 103 schools")
add_case("X-strat-svyby-total-enroll-stype", "apistrat", S_STRAT, "svyby(svytotal)",
         c("enroll", "stype"), list(), "svyby(~enroll, ~stype, dstrat, svytotal)",
         svyby(~enroll, ~stype, dstrat, svytotal))
add_case("X-strat-svyby-mean-two-by", "apistrat", S_STRAT, "svyby(svymean)",
         c("api00", "stype", "sch.wide"), list(),
         "svyby(~api00, ~stype+sch.wide, dstrat, svymean)",
         svyby(~api00, ~stype + sch.wide, dstrat, svymean),
         extra = list(by = I(c("stype", "sch.wide"))))
add_case("X-strat-svyby-mean-multi-schwide-deff", "apistrat", S_STRAT, "svyby(svymean)",
         c("api00", "api99", "sch.wide"), list(deff = TRUE),
         "svyby(~api00+api99, ~sch.wide, dstrat, svymean, deff=TRUE)",
         svyby(~api00 + api99, ~sch.wide, dstrat, svymean, deff = TRUE),
         extra = list(by = I("sch.wide")))
add_case("X-strat-svyby-ratio-stype", "apistrat", S_STRAT, "svyby(svyratio)",
         c("api.stu", "enroll", "stype"), list(),
         "svyby(~api.stu, ~stype, dstrat, svyratio, denominator=~enroll)",
         svyby(~api.stu, ~stype, dstrat, svyratio, denominator = ~enroll),
         extra = list(by = I("stype"), ratio_numerator_denominator = list(
           numerator = I("api.stu"), denominator = I("enroll"))))
add_case("X-strat-svyby-quantile-schwide", "apistrat", S_STRAT, "svyby(svyquantile)",
         c("api00", "sch.wide"),
         list(quantiles = 0.5, interval.type = "mean", qrule = "math", alpha = 0.05),
         "svyby(~api00, ~sch.wide, dstrat, svyquantile, quantiles=0.5)",
         svyby(~api00, ~sch.wide, dstrat, svyquantile, quantiles = 0.5),
         extra = list(by = I("sch.wide")))
add_case("X-strat-quantile-hf7-multi", "apistrat", S_STRAT, "svyquantile", c("api00", "api99"),
         list(quantiles = c(0.5, 0.9), interval.type = "mean", qrule = "hf7", alpha = 0.05,
              ci = TRUE, df = "NULL -> degf(design)"),
         "svyquantile(~api00+api99, dstrat, quantiles=c(0.5, 0.9), qrule='hf7')",
         svyquantile(~api00 + api99, dstrat, quantiles = c(0.5, 0.9), qrule = "hf7"))
add_case("X-strat-var-api00", "apistrat", S_STRAT, "svyvar", "api00", list(),
         "svyvar(~api00, dstrat)", svyvar(~api00, dstrat))
add_case("X-strat-ratio-deff", "apistrat", S_STRAT, "svyratio", c("api.stu", "enroll"),
         list(deff = TRUE), "svyratio(~api.stu, ~enroll, dstrat, deff=TRUE)",
         svyratio(~api.stu, ~enroll, dstrat, deff = TRUE),
         extra = list(ratio_numerator_denominator = list(numerator = I("api.stu"),
                                                         denominator = I("enroll"))))
add_case("X-strat-glm-gaussian-factor", "apistrat", S_STRAT, "svyglm(gaussian)",
         c("api00", "ell", "stype"), list(family = "gaussian(identity)", rescale = TRUE),
         "svyglm(api00 ~ ell + stype, design=dstrat)", svyglm(api00 ~ ell + stype, design = dstrat),
         notes = "factor predictor stype: treatment contrasts, E the reference level")
add_case("X-strat-glm-quasipoisson", "apistrat", S_STRAT, "svyglm(quasipoisson)",
         c("enroll", "meals", "stype"), list(family = "quasipoisson(log)", rescale = TRUE),
         "svyglm(enroll ~ meals + stype, design=dstrat, family=quasipoisson())",
         svyglm(enroll ~ meals + stype, design = dstrat, family = quasipoisson()))
add_case("X-strat-glm-poisson", "apistrat", S_STRAT, "svyglm(poisson)",
         c("enroll", "meals", "ell"), list(family = "poisson(log)", rescale = TRUE),
         "svyglm(enroll ~ meals + ell, design=dstrat, family=poisson())",
         svyglm(enroll ~ meals + ell, design = dstrat, family = poisson()))
add_case("X-strat-glm-quasibinomial-factor", "apistrat", S_STRAT, "svyglm(quasibinomial)",
         c("sch.wide", "ell", "stype"), list(family = "quasibinomial(logit)", rescale = TRUE,
           response_coding = "sch.wide factor: 'No' = 0 (first level), 'Yes' = 1"),
         "svyglm(sch.wide ~ ell + stype, design=dstrat, family=quasibinomial())",
         svyglm(sch.wide ~ ell + stype, design = dstrat, family = quasibinomial()))

dstrat_E <- subset(dstrat, stype == "E")
design_obj_for_df <- dstrat_E
S_STRAT_E <- with_subset(S_STRAT, dstrat_E, "dstrat_E", "stype == 'E'",
                         "dstrat_E <- subset(dstrat, stype == 'E')")
add_case("X-domain-strat-E-mean-schwide-factor", "apistrat", S_STRAT_E,
         "svymean (factor -> proportions, domain)", "sch.wide", list(),
         "svymean(~sch.wide, dstrat_E)", svymean(~sch.wide, dstrat_E))
add_case("X-domain-strat-E-total-multi", "apistrat", S_STRAT_E, "svytotal (domain)",
         c("enroll", "api.stu"), list(), "svytotal(~enroll+api.stu, dstrat_E)",
         svytotal(~enroll + api.stu, dstrat_E))

# ---------------------------------------------------------------- one-stage cluster
design_obj_for_df <- dclus1
add_case("X-clus1-mean-api00-deff", "apiclus1", S_CLUS1, "svymean", "api00", list(deff = TRUE),
         "svymean(~api00, dclus1, deff=TRUE)", svymean(~api00, dclus1, deff = TRUE))
add_case("X-clus1-svyby-mean-multi-stype", "apiclus1", S_CLUS1, "svyby(svymean)",
         c("api00", "api99", "stype"), list(), "svyby(~api00+api99, ~stype, dclus1, svymean)",
         svyby(~api00 + api99, ~stype, dclus1, svymean), extra = list(by = I("stype")))
add_case("X-clus1-svyby-total-deff", "apiclus1", S_CLUS1, "svyby(svytotal)",
         c("enroll", "sch.wide"), list(deff = TRUE),
         "svyby(~enroll, ~sch.wide, dclus1, svytotal, deff=TRUE)",
         svyby(~enroll, ~sch.wide, dclus1, svytotal, deff = TRUE))
add_case("X-clus1-mean-stype-factor", "apiclus1", S_CLUS1, "svymean (factor -> proportions)",
         "stype", list(), "svymean(~stype, dclus1)", svymean(~stype, dclus1))
add_case("X-clus1-glm-gaussian", "apiclus1", S_CLUS1, "svyglm(gaussian)",
         c("api00", "ell", "meals", "stype"), list(family = "gaussian(identity)", rescale = TRUE),
         "svyglm(api00 ~ ell + meals + stype, design=dclus1)",
         svyglm(api00 ~ ell + meals + stype, design = dclus1))

# ---------------------------------------------------------------- two-stage cluster
design_obj_for_df <- dclus2
add_case("X-clus2-mean-api00-deff", "apiclus2", S_CLUS2, "svymean", "api00", list(deff = TRUE),
         "svymean(~api00, dclus2, deff=TRUE)", svymean(~api00, dclus2, deff = TRUE))
add_case("X-clus2-svyby-mean-stype", "apiclus2", S_CLUS2, "svyby(svymean)", c("api00", "stype"),
         list(), "svyby(~api00, ~stype, dclus2, svymean)", svyby(~api00, ~stype, dclus2, svymean))
add_case("X-clus2-svyby-mean-enroll-narm", "apiclus2", S_CLUS2, "svyby(svymean)",
         c("enroll", "stype"), list(na.rm = TRUE),
         "svyby(~enroll, ~stype, dclus2, svymean, na.rm=TRUE)",
         svyby(~enroll, ~stype, dclus2, svymean, na.rm = TRUE))
add_case("X-clus2-ratio-narm", "apiclus2", S_CLUS2, "svyratio", c("api.stu", "enroll"),
         list(na.rm = TRUE), "svyratio(~api.stu, ~enroll, dclus2, na.rm=TRUE)",
         svyratio(~api.stu, ~enroll, dclus2, na.rm = TRUE),
         extra = list(ratio_numerator_denominator = list(numerator = I("api.stu"),
                                                         denominator = I("enroll"))))
add_case("X-clus2-quantile-api00", "apiclus2", S_CLUS2, "svyquantile", "api00",
         list(quantiles = c(0.25, 0.5), interval.type = "mean", qrule = "math", alpha = 0.05,
              ci = TRUE, df = "NULL -> degf(design)"),
         "svyquantile(~api00, dclus2, quantiles=c(0.25, 0.5))",
         svyquantile(~api00, dclus2, quantiles = c(0.25, 0.5)))
add_case("X-clus2-glm-gaussian", "apiclus2", S_CLUS2, "svyglm(gaussian)",
         c("api00", "ell", "meals", "mobility"), list(family = "gaussian(identity)", rescale = TRUE),
         "svyglm(api00 ~ ell + meals + mobility, design=dclus2)",
         svyglm(api00 ~ ell + meals + mobility, design = dclus2))
add_case("X-clus2-glm-quasibinomial", "apiclus2", S_CLUS2, "svyglm(quasibinomial)",
         c("sch.wide", "meals", "stype"), list(family = "quasibinomial(logit)", rescale = TRUE,
           response_coding = "sch.wide factor: 'No' = 0 (first level), 'Yes' = 1"),
         "svyglm(sch.wide ~ meals + stype, design=dclus2, family=quasibinomial())",
         svyglm(sch.wide ~ meals + stype, design = dclus2, family = quasibinomial()))
dclus2_E <- subset(dclus2, stype == "E")
design_obj_for_df <- dclus2_E
S_CLUS2_E <- with_subset(S_CLUS2, dclus2_E, "dclus2_E", "stype == 'E'",
                         "dclus2_E <- subset(dclus2, stype == 'E')")
add_case("X-domain-clus2-E-mean-api00", "apiclus2", S_CLUS2_E, "svymean (domain)", "api00",
         list(), "svymean(~api00, dclus2_E)", svymean(~api00, dclus2_E))
add_case("X-domain-clus2-E-total-enroll-narm", "apiclus2", S_CLUS2_E, "svytotal (domain)",
         "enroll", list(na.rm = TRUE), "svytotal(~enroll, dclus2_E, na.rm=TRUE)",
         svytotal(~enroll, dclus2_E, na.rm = TRUE))
design_obj_for_df <- dclus2w
add_case("X-clus2nofpc-mean-api00", "apiclus2", S_CLUS2W, "svymean", "api00", list(),
         "svymean(~api00, dclus2w)", svymean(~api00, dclus2w))
add_case("X-clus2nofpc-svyby-total", "apiclus2", S_CLUS2W, "svyby(svytotal)", c("api.stu", "stype"),
         list(), "svyby(~api.stu, ~stype, dclus2w, svytotal)",
         svyby(~api.stu, ~stype, dclus2w, svytotal))

# ---------------------------------------------------------------- lonely PSUs
# A domain in which stratum H keeps one school: with survey.adjust.domain.lonely=TRUE the
# lonely-PSU rule applies inside the domain too.
lonely_expr <- "api00 > 850"
for (rule in c("adjust", "average", "remove")) {
  options(survey.lonely.psu = rule, survey.adjust.domain.lonely = TRUE)
  dsub <- subset(dstrat, api00 > 850)
  design_obj_for_df <- dsub
  spec <- with_subset(S_STRAT, dsub, "dstrat_top", lonely_expr,
                      "dstrat_top <- subset(dstrat, api00 > 850)")
  spec$lonely_psu_option <- rule
  spec$adjust_domain_lonely_option <- TRUE
  add_case(paste0("X-lonely-domain-", rule, "-mean-api00"), "apistrat", spec, "svymean (domain)",
           "api00", list(survey.lonely.psu = rule, survey.adjust.domain.lonely = TRUE),
           "svymean(~api00, dstrat_top)", svymean(~api00, dsub),
           notes = paste("stratum H has a single school in the domain api00 > 850;",
                         "options(survey.lonely.psu=", rule,
                         ", survey.adjust.domain.lonely=TRUE) set before the call"))
}
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE)
# Two-stage design in which some districts contribute one school: stage-2 singletons.
for (rule in c("adjust", "average", "remove", "certainty")) {
  options(survey.lonely.psu = rule)
  d2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
  design_obj_for_df <- d2
  spec <- S_CLUS2
  spec$lonely_psu_option <- rule
  add_case(paste0("X-lonely-multistage-", rule, "-mean-api00"), "apiclus2", spec, "svymean",
           "api00", list(survey.lonely.psu = rule), "svymean(~api00, dclus2)",
           svymean(~api00, d2),
           notes = paste("11 districts have a single sampled school (stage-2 singletons);",
                         "options(survey.lonely.psu=", rule, ") set before the call"))
}
options(survey.lonely.psu = "fail")

# ---------------------------------------------------------------- replicate designs
jk1_clus2 <- suppressWarnings(as.svrepdesign(dclus2, type = "JK1"))
S_JK1_CLUS2 <- design_spec(jk1_clus2, "jk1_clus2",
  "Delete-one-PSU jackknife (JK1) built from the two-stage dclus2; R keeps only the first-stage fpc.",
  "replicate", "apiclus2.csv", ids = c("dnum", "snum"), fpc = c("fpc1", "fpc2"),
  call = "jk1_clus2 <- as.svrepdesign(dclus2, type='JK1')",
  replicate = replicate_spec(jk1_clus2, "JK1", "dclus2",
    construction = "replicate r drops PSU r (dnum); scale = (n-1)/n * (1 - n/N) with the first-stage fpc"))
design_obj_for_df <- jk1_clus2
add_case("X-rep-JK1-clus2-mean-api00", "apiclus2", S_JK1_CLUS2, "svymean", "api00", list(),
         "svymean(~api00, jk1_clus2)", svymean(~api00, jk1_clus2))
add_case("X-rep-JK1-clus2-total-enroll-narm", "apiclus2", S_JK1_CLUS2, "svytotal", "enroll",
         list(na.rm = TRUE), "svytotal(~enroll, jk1_clus2, na.rm=TRUE)",
         svytotal(~enroll, jk1_clus2, na.rm = TRUE))
add_case("X-rep-JK1-clus2-svyby-mean", "apiclus2", S_JK1_CLUS2, "svyby(svymean)",
         c("api00", "stype"), list(), "svyby(~api00, ~stype, jk1_clus2, svymean)",
         svyby(~api00, ~stype, jk1_clus2, svymean))
add_case("X-rep-JK1-clus2-ratio", "apiclus2", S_JK1_CLUS2, "svyratio", c("api.stu", "api00"),
         list(), "svyratio(~api.stu, ~api00, jk1_clus2)", svyratio(~api.stu, ~api00, jk1_clus2),
         extra = list(ratio_numerator_denominator = list(numerator = I("api.stu"),
                                                         denominator = I("api00"))))

jkn_strat <- as.svrepdesign(dstrat, type = "JKn")
S_JKN <- design_spec(jkn_strat, "jkn_strat",
  "Stratified delete-one jackknife (JKn) built from dstrat.", "replicate", "apistrat.csv",
  strata = "stype", weights = "pw", fpc = "fpc",
  call = "jkn_strat <- as.svrepdesign(dstrat, type='JKn')",
  replicate = replicate_spec(jkn_strat, "JKn", "dstrat",
    construction = "rscales[r] = (n_h-1)/n_h * (1 - n_h/N_h); scale = 1"))
design_obj_for_df <- jkn_strat
add_case("X-rep-JKn-strat-svyby-mean-schwide", "apistrat", S_JKN, "svyby(svymean)",
         c("api00", "sch.wide"), list(), "svyby(~api00, ~sch.wide, jkn_strat, svymean)",
         svyby(~api00, ~sch.wide, jkn_strat, svymean))
add_case("X-rep-JKn-strat-mean-multi", "apistrat", S_JKN, "svymean", c("api00", "api99", "meals"),
         list(), "svymean(~api00+api99+meals, jkn_strat)",
         svymean(~api00 + api99 + meals, jkn_strat))
add_case("X-rep-JKn-strat-mean-schwide-factor", "apistrat", S_JKN,
         "svymean (factor -> proportions)", "sch.wide", list(),
         "svymean(~sch.wide, jkn_strat)", svymean(~sch.wide, jkn_strat))
add_case("X-rep-JKn-strat-quantile-api00", "apistrat", S_JKN, "svyquantile", "api00",
         list(quantiles = c(0.25, 0.5), interval.type = "mean", qrule = "math", alpha = 0.05,
              ci = TRUE, df = "NULL -> degf(design)"),
         "svyquantile(~api00, jkn_strat, quantiles=c(0.25, 0.5))",
         svyquantile(~api00, jkn_strat, quantiles = c(0.25, 0.5)))
add_case("X-rep-JKn-strat-glm-gaussian", "apistrat", S_JKN, "svyglm(gaussian)",
         c("api00", "ell", "meals"), list(family = "gaussian(identity)", rescale = TRUE),
         "svyglm(api00 ~ ell + meals, design=jkn_strat)",
         svyglm(api00 ~ ell + meals, design = jkn_strat))
add_case("X-rep-JKn-strat-glm-quasibinomial", "apistrat", S_JKN, "svyglm(quasibinomial)",
         c("sch.wide", "ell", "stype"), list(family = "quasibinomial(logit)", rescale = TRUE,
           response_coding = "sch.wide factor: 'No' = 0 (first level), 'Yes' = 1"),
         "svyglm(sch.wide ~ ell + stype, design=jkn_strat, family=quasibinomial())",
         svyglm(sch.wide ~ ell + stype, design = jkn_strat, family = quasibinomial()))

set.seed(20261128)
boot_strat <- as.svrepdesign(dstrat, type = "bootstrap", replicates = 50)
S_BOOT <- design_spec(boot_strat, "boot_strat",
  "Rao-Wu-Yue rescaled bootstrap (50 replicates) built from dstrat; R draws the replicates at random, so the full replicate weights are stored.",
  "replicate", "apistrat.csv", strata = "stype", weights = "pw", fpc = "fpc",
  call = "set.seed(20261128); boot_strat <- as.svrepdesign(dstrat, type='bootstrap', replicates=50)",
  replicate = replicate_spec(boot_strat, "bootstrap", "dstrat", store_weights = TRUE))
design_obj_for_df <- boot_strat
add_case("X-rep-boot-strat-mean-api00", "apistrat", S_BOOT, "svymean", c("api00", "api99"),
         list(), "svymean(~api00+api99, boot_strat)", svymean(~api00 + api99, boot_strat))
add_case("X-rep-boot-strat-total-enroll", "apistrat", S_BOOT, "svytotal", "enroll", list(),
         "svytotal(~enroll, boot_strat)", svytotal(~enroll, boot_strat))
add_case("X-rep-boot-strat-svyby-ratio", "apistrat", S_BOOT, "svyby(svyratio)",
         c("api.stu", "enroll", "stype"), list(),
         "svyby(~api.stu, ~stype, boot_strat, svyratio, denominator=~enroll)",
         svyby(~api.stu, ~stype, boot_strat, svyratio, denominator = ~enroll),
         extra = list(by = I("stype"), ratio_numerator_denominator = list(
           numerator = I("api.stu"), denominator = I("enroll"))))
add_case("X-rep-boot-strat-glm-gaussian", "apistrat", S_BOOT, "svyglm(gaussian)",
         c("api00", "ell", "meals", "stype"), list(family = "gaussian(identity)", rescale = TRUE),
         "svyglm(api00 ~ ell + meals + stype, design=boot_strat)",
         svyglm(api00 ~ ell + meals + stype, design = boot_strat))

jk1_mse <- as.svrepdesign(dclus1, type = "JK1", mse = TRUE)
S_JK1_MSE <- design_spec(jk1_mse, "jk1_mse",
  "JK1 jackknife built from dclus1 with mse=TRUE (squared deviations from the full-sample estimate).",
  "replicate", "apiclus1.csv", ids = "dnum", weights = "pw", fpc = "fpc",
  call = "jk1_mse <- as.svrepdesign(dclus1, type='JK1', mse=TRUE)",
  replicate = replicate_spec(jk1_mse, "JK1", "dclus1"), mse_option = FALSE)
design_obj_for_df <- jk1_mse
add_case("X-rep-JK1-mse-clus1-mean-api00", "apiclus1", S_JK1_MSE, "svymean", c("api00", "api99"),
         list(mse = TRUE), "svymean(~api00+api99, jk1_mse)", svymean(~api00 + api99, jk1_mse))
add_case("X-rep-JK1-mse-clus1-ratio", "apiclus1", S_JK1_MSE, "svyratio", c("api.stu", "enroll"),
         list(mse = TRUE), "svyratio(~api.stu, ~enroll, jk1_mse)",
         svyratio(~api.stu, ~enroll, jk1_mse),
         extra = list(ratio_numerator_denominator = list(numerator = I("api.stu"),
                                                         denominator = I("enroll"))))

# User-supplied replicate weights (svrepdesign), with an explicit scale and rscales.
repw <- weights(as.svrepdesign(dclus1, type = "JK1"), "analysis")
user_rscales <- rep(c(1, 0.5), length.out = ncol(repw))
user_rep <- svrepdesign(data = apiclus1, repweights = repw, weights = ~pw, type = "other",
                        scale = 14 / 15, rscales = user_rscales, combined.weights = TRUE,
                        mse = TRUE)
S_USER <- design_spec(user_rep, "user_rep",
  "Replicate design from user-supplied full replicate weights (the JK1 weights of dclus1) with type='other', scale=14/15, rscales alternating 1 and 0.5, combined.weights=TRUE, mse=TRUE.",
  "replicate", "apiclus1.csv", weights = "pw",
  call = paste("repw <- weights(as.svrepdesign(dclus1, type='JK1'), 'analysis');",
               "user_rep <- svrepdesign(data=apiclus1, repweights=repw, weights=~pw,",
               "type='other', scale=14/15, rscales=rep(c(1, 0.5), length.out=15),",
               "combined.weights=TRUE, mse=TRUE)"),
  replicate = replicate_spec(user_rep, "other", NULL, store_weights = TRUE))
design_obj_for_df <- user_rep
add_case("X-rep-user-clus1-mean-api00", "apiclus1", S_USER, "svymean", "api00", list(mse = TRUE),
         "svymean(~api00, user_rep)", svymean(~api00, user_rep))
add_case("X-rep-user-clus1-svyby-total", "apiclus1", S_USER, "svyby(svytotal)",
         c("enroll", "stype"), list(mse = TRUE), "svyby(~enroll, ~stype, user_rep, svytotal)",
         svyby(~enroll, ~stype, user_rep, svytotal))

# ---------------------------------------------------------------- calibration
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop_counts_stype <- list(E = 4421, H = 755, M = 1018)
cal_spec <- function(obj, name, description, calibration, call) {
  calibration$calibrated_weights <- I(as.numeric(weights(obj)))
  calibration$calibrated_weights_note <- "final weights in data-file row order (for debugging)"
  s <- design_spec(obj, name, description, "calibrated_taylor_linearization", "apiclus1.csv",
                   ids = "dnum", weights = "pw", fpc = "fpc",
                   call = paste("dclus1 <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc);", call),
                   calibration = calibration,
                   weights_note = S_CLUS1$weights_note)
  s
}
pop_tot <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, api99 = sum(apipop$api99))
pop_tot_list <- as.list(pop_tot)

dclus1_ps <- postStratify(dclus1, ~stype, pop.types)
S_PS <- cal_spec(dclus1_ps, "dclus1_ps", "dclus1 post-stratified on stype to the apipop counts.",
  list(method = "postStratify", variables = I("stype"), population_counts = pop_counts_stype,
       population_source = "table(apipop$stype)"),
  "pop.types <- data.frame(stype=c('E','H','M'), Freq=c(4421,755,1018)); dclus1_ps <- postStratify(dclus1, ~stype, pop.types)")
design_obj_for_df <- dclus1_ps
add_case("X-cal-poststrat-svyby-mean-schwide", "apiclus1", S_PS, "svyby(svymean)",
         c("api00", "sch.wide"), list(), "svyby(~api00, ~sch.wide, dclus1_ps, svymean)",
         svyby(~api00, ~sch.wide, dclus1_ps, svymean))
add_case("X-cal-poststrat-mean-multi", "apiclus1", S_PS, "svymean", c("api00", "api99"),
         list(), "svymean(~api00+api99, dclus1_ps)", svymean(~api00 + api99, dclus1_ps))
add_case("X-cal-poststrat-ratio", "apiclus1", S_PS, "svyratio", c("api.stu", "enroll"),
         list(), "svyratio(~api.stu, ~enroll, dclus1_ps)", svyratio(~api.stu, ~enroll, dclus1_ps),
         extra = list(ratio_numerator_denominator = list(numerator = I("api.stu"),
                                                         denominator = I("enroll"))))

dclus1_raking <- calibrate(dclus1, ~stype + api99, pop_tot, calfun = "raking")
S_RAKING <- cal_spec(dclus1_raking, "dclus1_raking",
  "dclus1 calibrated on ~stype+api99 with the raking (exponential) calibration function.",
  list(method = "calibrate", formula = "~stype+api99", calfun = "raking",
       population_totals = pop_tot_list, population_source = "nrow(apipop), counts of stype H and M, sum(apipop$api99)",
       bounds = I(c("-Inf", "Inf"))),
  "dclus1_raking <- calibrate(dclus1, ~stype+api99, pop.totals.cal, calfun='raking')")
design_obj_for_df <- dclus1_raking
add_case("X-cal-raking-mean-api00", "apiclus1", S_RAKING, "svymean", "api00", list(),
         "svymean(~api00, dclus1_raking)", svymean(~api00, dclus1_raking))
add_case("X-cal-raking-total-enroll", "apiclus1", S_RAKING, "svytotal", "enroll", list(),
         "svytotal(~enroll, dclus1_raking)", svytotal(~enroll, dclus1_raking))

dclus1_logit <- calibrate(dclus1, ~stype + api99, pop_tot, calfun = "logit", bounds = c(0.7, 1.7))
S_LOGIT <- cal_spec(dclus1_logit, "dclus1_logit",
  "dclus1 calibrated on ~stype+api99 with the logit calibration function, g-weights bounded in [0.7, 1.7].",
  list(method = "calibrate", formula = "~stype+api99", calfun = "logit",
       population_totals = pop_tot_list, population_source = "nrow(apipop), counts of stype H and M, sum(apipop$api99)",
       bounds = I(c(0.7, 1.7))),
  "dclus1_logit <- calibrate(dclus1, ~stype+api99, pop.totals.cal, calfun='logit', bounds=c(0.7, 1.7))")
design_obj_for_df <- dclus1_logit
add_case("X-cal-logit-mean-api00", "apiclus1", S_LOGIT, "svymean", "api00", list(),
         "svymean(~api00, dclus1_logit)", svymean(~api00, dclus1_logit))
add_case("X-cal-logit-total-enroll", "apiclus1", S_LOGIT, "svytotal", "enroll", list(),
         "svytotal(~enroll, dclus1_logit)", svytotal(~enroll, dclus1_logit))

dclus1_blin <- calibrate(dclus1, ~stype + api99, pop_tot, calfun = "linear", bounds = c(0.5, 1.7))
S_BLIN <- cal_spec(dclus1_blin, "dclus1_blin",
  "dclus1 calibrated on ~stype+api99 with bounded linear calibration, g-weights in [0.5, 1.7].",
  list(method = "calibrate", formula = "~stype+api99", calfun = "linear",
       population_totals = pop_tot_list, population_source = "nrow(apipop), counts of stype H and M, sum(apipop$api99)",
       bounds = I(c(0.5, 1.7))),
  "dclus1_blin <- calibrate(dclus1, ~stype+api99, pop.totals.cal, calfun='linear', bounds=c(0.5, 1.7))")
design_obj_for_df <- dclus1_blin
add_case("X-cal-bounded-linear-mean-api00", "apiclus1", S_BLIN, "svymean", "api00", list(),
         "svymean(~api00, dclus1_blin)", svymean(~api00, dclus1_blin))
add_case("X-cal-bounded-linear-svyby-mean", "apiclus1", S_BLIN, "svyby(svymean)",
         c("api00", "stype"), list(), "svyby(~api00, ~stype, dclus1_blin, svymean)",
         svyby(~api00, ~stype, dclus1_blin, svymean))

# ---------------------------------------------------------------- more estimators
design_obj_for_df <- dclus1
add_case("X-clus1-svyby-mean-factor", "apiclus1", S_CLUS1, "svyby(svymean)",
         c("sch.wide", "stype"), list(), "svyby(~sch.wide, ~stype, dclus1, svymean)",
         svyby(~sch.wide, ~stype, dclus1, svymean), extra = list(by = I("stype")))
add_case("X-clus1-svyby-ratio-schwide", "apiclus1", S_CLUS1, "svyby(svyratio)",
         c("api.stu", "enroll", "sch.wide"), list(),
         "svyby(~api.stu, ~sch.wide, dclus1, svyratio, denominator=~enroll)",
         svyby(~api.stu, ~sch.wide, dclus1, svyratio, denominator = ~enroll),
         extra = list(by = I("sch.wide"), ratio_numerator_denominator = list(
           numerator = I("api.stu"), denominator = I("enroll"))))
add_case("X-clus1-ratio-two-by-two", "apiclus1", S_CLUS1, "svyratio",
         c("api00", "api99", "enroll", "api.stu"), list(),
         "svyratio(~api00+api99, ~enroll+api.stu, dclus1)",
         svyratio(~api00 + api99, ~enroll + api.stu, dclus1),
         extra = list(ratio_numerator_denominator = list(numerator = I(c("api00", "api99")),
                                                         denominator = I(c("enroll", "api.stu")))))
add_case("X-clus1-quantile-hf7", "apiclus1", S_CLUS1, "svyquantile", "api00",
         list(quantiles = c(0.25, 0.5, 0.75), interval.type = "mean", qrule = "hf7",
              alpha = 0.05, ci = TRUE, df = "NULL -> degf(design)"),
         "svyquantile(~api00, dclus1, quantiles=c(0.25, 0.5, 0.75), qrule='hf7')",
         svyquantile(~api00, dclus1, quantiles = c(0.25, 0.5, 0.75), qrule = "hf7"))
add_case("X-clus1-quantile-alpha10", "apiclus1", S_CLUS1, "svyquantile", "enroll",
         list(quantiles = c(0.5, 0.9), interval.type = "mean", qrule = "math",
              alpha = 0.1, ci = TRUE, df = "NULL -> degf(design)"),
         "svyquantile(~enroll, dclus1, quantiles=c(0.5, 0.9), alpha=0.1)",
         svyquantile(~enroll, dclus1, quantiles = c(0.5, 0.9), alpha = 0.1))
add_case("X-clus1-glm-quasipoisson", "apiclus1", S_CLUS1, "svyglm(quasipoisson)",
         c("api.stu", "meals", "ell"), list(family = "quasipoisson(log)", rescale = TRUE),
         "svyglm(api.stu ~ meals + ell, design=dclus1, family=quasipoisson())",
         svyglm(api.stu ~ meals + ell, design = dclus1, family = quasipoisson()))
add_case("X-clus1-total-stype-factor-deff", "apiclus1", S_CLUS1, "svytotal (factor -> counts)",
         "stype", list(deff = TRUE), "svytotal(~stype, dclus1, deff=TRUE)",
         svytotal(~stype, dclus1, deff = TRUE))
add_case("X-clus1-var-multi", "apiclus1", S_CLUS1, "svyvar", c("api00", "api99"), list(),
         "svyvar(~api00+api99, dclus1)", svyvar(~api00 + api99, dclus1),
         notes = "2 x 2 covariance matrix, entries named row:column in column-major order")
design_obj_for_df <- dclus2
add_case("X-clus2-svyby-mean-deff", "apiclus2", S_CLUS2, "svyby(svymean)", c("api00", "sch.wide"),
         list(deff = TRUE), "svyby(~api00, ~sch.wide, dclus2, svymean, deff=TRUE)",
         svyby(~api00, ~sch.wide, dclus2, svymean, deff = TRUE))
add_case("X-clus2-svyby-quantile-multi", "apiclus2", S_CLUS2, "svyby(svyquantile)",
         c("api00", "sch.wide"),
         list(quantiles = c(0.25, 0.75), interval.type = "mean", qrule = "math", alpha = 0.05),
         "svyby(~api00, ~sch.wide, dclus2, svyquantile, quantiles=c(0.25, 0.75))",
         svyby(~api00, ~sch.wide, dclus2, svyquantile, quantiles = c(0.25, 0.75)))
add_case("X-clus2-mean-factor-narm", "apiclus2", S_CLUS2, "svymean (factor -> proportions)",
         "comp.imp", list(), "svymean(~comp.imp, dclus2)", svymean(~comp.imp, dclus2))
add_case("X-clus2-var-enroll-narm", "apiclus2", S_CLUS2, "svyvar", "enroll", list(na.rm = TRUE),
         "svyvar(~enroll, dclus2, na.rm=TRUE)", svyvar(~enroll, dclus2, na.rm = TRUE))
dclus2_H <- subset(dclus2, stype != "H")
design_obj_for_df <- dclus2_H
S_CLUS2_H <- with_subset(S_CLUS2, dclus2_H, "dclus2_EM", "stype != 'H'",
                         "dclus2_EM <- subset(dclus2, stype != 'H')")
add_case("X-domain-clus2-EM-glm-gaussian", "apiclus2", S_CLUS2_H, "svyglm(gaussian)",
         c("api00", "ell", "meals"), list(family = "gaussian(identity)", rescale = TRUE),
         "svyglm(api00 ~ ell + meals, design=dclus2_EM)",
         svyglm(api00 ~ ell + meals, design = dclus2_H))
add_case("X-domain-clus2-EM-quantile", "apiclus2", S_CLUS2_H, "svyquantile", "api00",
         list(quantiles = 0.5, interval.type = "mean", qrule = "math", alpha = 0.05, ci = TRUE,
              df = "NULL -> degf(design)"),
         "svyquantile(~api00, dclus2_EM, quantiles=0.5)",
         svyquantile(~api00, dclus2_H, quantiles = 0.5))
add_case("X-domain-clus2-EM-ratio", "apiclus2", S_CLUS2_H, "svyratio", c("api.stu", "enroll"),
         list(na.rm = TRUE), "svyratio(~api.stu, ~enroll, dclus2_EM, na.rm=TRUE)",
         svyratio(~api.stu, ~enroll, dclus2_H, na.rm = TRUE),
         extra = list(ratio_numerator_denominator = list(numerator = I("api.stu"),
                                                         denominator = I("enroll"))))
design_obj_for_df <- dstrat
add_case("X-strat-svyby-mean-two-by-multi", "apistrat", S_STRAT, "svyby(svymean)",
         c("api00", "api99", "stype", "awards"), list(),
         "svyby(~api00+api99, ~stype+awards, dstrat, svymean)",
         svyby(~api00 + api99, ~stype + awards, dstrat, svymean),
         extra = list(by = I(c("stype", "awards"))))
add_case("X-strat-svyby-total-factor", "apistrat", S_STRAT, "svyby(svytotal)",
         c("awards", "stype"), list(), "svyby(~awards, ~stype, dstrat, svytotal)",
         svyby(~awards, ~stype, dstrat, svytotal))
add_case("X-strat-mean-numeric-and-factor", "apistrat", S_STRAT, "svymean",
         c("api00", "sch.wide"), list(), "svymean(~api00+sch.wide, dstrat)",
         svymean(~api00 + sch.wide, dstrat))
# lonely PSUs: svyby over the lonely-stratum data (apistrat_lonely.csv)
apistrat_lonely <- read.csv(file.path(out_dir, "data", "apistrat_lonely.csv"),
                            colClasses = c(cds = "character"), stringsAsFactors = TRUE)
for (rule in c("adjust", "average")) {
  options(survey.lonely.psu = rule)
  dlonely <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat_lonely, fpc = ~fpc)
  design_obj_for_df <- dlonely
  spec <- design_spec(dlonely, "dlonely",
    "Subset of apistrat: all 150 E and H schools plus ONE M school; stratum M has a single PSU. Data: apistrat_lonely.csv.",
    "taylor_linearization", "apistrat_lonely.csv", strata = "stype", weights = "pw", fpc = "fpc",
    call = "dlonely <- svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat_lonely, fpc=~fpc)",
    lonely = rule)
  add_case(paste0("X-lonely-", rule, "-svyby-schwide"), "apistrat (subset)", spec,
           "svyby(svymean)", c("api00", "sch.wide"), list(survey.lonely.psu = rule),
           "svyby(~api00, ~sch.wide, dlonely, svymean)",
           svyby(~api00, ~sch.wide, dlonely, svymean))
  add_case(paste0("X-lonely-", rule, "-total-enroll"), "apistrat (subset)", spec,
           "svytotal", "enroll", list(survey.lonely.psu = rule),
           "svytotal(~enroll, dlonely)", svytotal(~enroll, dlonely))
}
options(survey.lonely.psu = "fail")

# replicate designs: more estimators
design_obj_for_df <- jk1_clus2
add_case("X-rep-JK1-clus2-quantile", "apiclus2", S_JK1_CLUS2, "svyquantile", "api00",
         list(quantiles = c(0.5, 0.9), interval.type = "mean", qrule = "math", alpha = 0.05,
              ci = TRUE, df = "NULL -> degf(design)"),
         "svyquantile(~api00, jk1_clus2, quantiles=c(0.5, 0.9))",
         svyquantile(~api00, jk1_clus2, quantiles = c(0.5, 0.9)))
add_case("X-rep-JK1-clus2-glm-quasipoisson", "apiclus2", S_JK1_CLUS2, "svyglm(quasipoisson)",
         c("api.stu", "meals", "stype"), list(family = "quasipoisson(log)", rescale = TRUE),
         "svyglm(api.stu ~ meals + stype, design=jk1_clus2, family=quasipoisson())",
         svyglm(api.stu ~ meals + stype, design = jk1_clus2, family = quasipoisson()))
add_case("X-rep-JK1-clus2-var-api00", "apiclus2", S_JK1_CLUS2, "svyvar", "api00", list(),
         "svyvar(~api00, jk1_clus2)", svyvar(~api00, jk1_clus2))
add_case("X-rep-JK1-clus2-total-factor", "apiclus2", S_JK1_CLUS2, "svytotal (factor -> counts)",
         "stype", list(), "svytotal(~stype, jk1_clus2)", svytotal(~stype, jk1_clus2))
design_obj_for_df <- jkn_strat
add_case("X-rep-JKn-strat-mean-deff", "apistrat", S_JKN, "svymean", c("api00", "api99"),
         list(deff = TRUE), "svymean(~api00+api99, jkn_strat, deff=TRUE)",
         svymean(~api00 + api99, jkn_strat, deff = TRUE))
add_case("X-rep-JKn-strat-svyby-total-two-by", "apistrat", S_JKN, "svyby(svytotal)",
         c("enroll", "stype", "sch.wide"), list(),
         "svyby(~enroll, ~stype+sch.wide, jkn_strat, svytotal)",
         svyby(~enroll, ~stype + sch.wide, jkn_strat, svytotal),
         extra = list(by = I(c("stype", "sch.wide"))))
add_case("X-rep-JKn-strat-ratio-narm", "apistrat", S_JKN, "svyratio", c("acs.k3", "api00"),
         list(na.rm = TRUE), "svyratio(~acs.k3, ~api00, jkn_strat, na.rm=TRUE)",
         svyratio(~acs.k3, ~api00, jkn_strat, na.rm = TRUE),
         extra = list(ratio_numerator_denominator = list(numerator = I("acs.k3"),
                                                         denominator = I("api00"))))
add_case("X-rep-JKn-strat-svyby-quantile", "apistrat", S_JKN, "svyby(svyquantile)",
         c("api00", "stype"),
         list(quantiles = 0.5, interval.type = "mean", qrule = "math", alpha = 0.05),
         "svyby(~api00, ~stype, jkn_strat, svyquantile, quantiles=0.5)",
         svyby(~api00, ~stype, jkn_strat, svyquantile, quantiles = 0.5))
jkn_strat_E <- subset(jkn_strat, stype == "E")
design_obj_for_df <- jkn_strat_E
S_JKN_E <- with_subset(S_JKN, jkn_strat_E, "jkn_strat_E", "stype == 'E'",
                       "jkn_strat_E <- subset(jkn_strat, stype == 'E')")
add_case("X-rep-JKn-domain-E-mean", "apistrat", S_JKN_E, "svymean (domain)", "api00", list(),
         "svymean(~api00, jkn_strat_E)", svymean(~api00, jkn_strat_E))
add_case("X-rep-JKn-domain-E-glm", "apistrat", S_JKN_E, "svyglm(gaussian)",
         c("api00", "ell", "meals"), list(family = "gaussian(identity)", rescale = TRUE),
         "svyglm(api00 ~ ell + meals, design=jkn_strat_E)",
         svyglm(api00 ~ ell + meals, design = jkn_strat_E))
design_obj_for_df <- boot_strat
add_case("X-rep-boot-strat-quantile", "apistrat", S_BOOT, "svyquantile", "api00",
         list(quantiles = c(0.25, 0.5), interval.type = "mean", qrule = "math", alpha = 0.05,
              ci = TRUE, df = "NULL -> degf(design)"),
         "svyquantile(~api00, boot_strat, quantiles=c(0.25, 0.5))",
         svyquantile(~api00, boot_strat, quantiles = c(0.25, 0.5)))
add_case("X-rep-boot-strat-glm-quasibinomial", "apistrat", S_BOOT, "svyglm(quasibinomial)",
         c("sch.wide", "ell", "meals"), list(family = "quasibinomial(logit)", rescale = TRUE,
           response_coding = "sch.wide factor: 'No' = 0 (first level), 'Yes' = 1"),
         "svyglm(sch.wide ~ ell + meals, design=boot_strat, family=quasibinomial())",
         svyglm(sch.wide ~ ell + meals, design = boot_strat, family = quasibinomial()))

scdnofpc <- svydesign(data = scd, prob = ~1, id = ~ambulance, strata = ~ESA, nest = TRUE)
scdfay <- as.svrepdesign(scdnofpc, type = "Fay", fay.rho = 0.3)
S_FAY <- design_spec(scdfay, "scdfay",
  "Fay's modified BRR (rho = 0.3, Hadamard-based half-samples) built from scdnofpc.",
  "replicate", "scd.csv", ids = "ambulance", strata = "ESA", probs = "1 (prob=~1)", nest = TRUE,
  call = "scdnofpc <- svydesign(data=scd, prob=~1, id=~ambulance, strata=~ESA, nest=TRUE); scdfay <- as.svrepdesign(scdnofpc, type='Fay', fay.rho=0.3)",
  replicate = replicate_spec(scdfay, "Fay", "scdnofpc", store_weights = TRUE, fay_rho = 0.3))
design_obj_for_df <- scdfay
add_case("X-rep-Fay-scd-total", "scd", S_FAY, "svytotal", c("arrests", "alive"), list(),
         "svytotal(~arrests+alive, scdfay)", svytotal(~arrests + alive, scdfay))
add_case("X-rep-Fay-scd-ratio", "scd", S_FAY, "svyratio", c("alive", "arrests"), list(),
         "svyratio(~alive, ~arrests, scdfay)", svyratio(~alive, ~arrests, scdfay),
         extra = list(ratio_numerator_denominator = list(numerator = I("alive"),
                                                         denominator = I("arrests"))))

# calibration: more
design_obj_for_df <- dclus1_ps
add_case("X-cal-poststrat-quantile", "apiclus1", S_PS, "svyquantile", "api00",
         list(quantiles = 0.5, interval.type = "mean", qrule = "math", alpha = 0.05, ci = TRUE,
              df = "NULL -> degf(design)"),
         "svyquantile(~api00, dclus1_ps, quantiles=0.5)", svyquantile(~api00, dclus1_ps, quantiles = 0.5))
add_case("X-cal-poststrat-glm", "apiclus1", S_PS, "svyglm(gaussian)", c("api00", "ell", "meals"),
         list(family = "gaussian(identity)", rescale = TRUE),
         "svyglm(api00 ~ ell + meals, design=dclus1_ps)",
         svyglm(api00 ~ ell + meals, design = dclus1_ps))
add_case("X-cal-poststrat-svyby-total", "apiclus1", S_PS, "svyby(svytotal)", c("enroll", "stype"),
         list(), "svyby(~enroll, ~stype, dclus1_ps, svytotal)",
         svyby(~enroll, ~stype, dclus1_ps, svytotal))
design_obj_for_df <- dclus1_raking
add_case("X-cal-raking-svyby-mean", "apiclus1", S_RAKING, "svyby(svymean)", c("api00", "sch.wide"),
         list(), "svyby(~api00, ~sch.wide, dclus1_raking, svymean)",
         svyby(~api00, ~sch.wide, dclus1_raking, svymean))
add_case("X-cal-raking-ratio", "apiclus1", S_RAKING, "svyratio", c("api.stu", "enroll"), list(),
         "svyratio(~api.stu, ~enroll, dclus1_raking)", svyratio(~api.stu, ~enroll, dclus1_raking),
         extra = list(ratio_numerator_denominator = list(numerator = I("api.stu"),
                                                         denominator = I("enroll"))))
dclus1_rake <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types,
  data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))))
S_RAKE <- cal_spec(dclus1_rake, "dclus1_rake", "dclus1 raked to apipop margins of stype and sch.wide (default control: maxit=10, epsilon=1).",
  list(method = "rake", margins = I(c("stype", "sch.wide")),
       population_counts = list(stype = pop_counts_stype, sch.wide = list(No = 1072, Yes = 5122)),
       control = list(maxit = 10, epsilon = 1)),
  "pop.schwide <- data.frame(sch.wide=c('No','Yes'), Freq=c(1072,5122)); dclus1_rake <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide))")
design_obj_for_df <- dclus1_rake
add_case("X-cal-rake-svyby-mean", "apiclus1", S_RAKE, "svyby(svymean)", c("api00", "stype"),
         list(), "svyby(~api00, ~stype, dclus1_rake, svymean)",
         svyby(~api00, ~stype, dclus1_rake, svymean))
add_case("X-cal-rake-mean-factor", "apiclus1", S_RAKE, "svymean (factor -> proportions)",
         "awards", list(), "svymean(~awards, dclus1_rake)", svymean(~awards, dclus1_rake))
# replicate design calibrated: post-stratified JK1
jk1_ps <- postStratify(as.svrepdesign(dclus1, type = "JK1"), ~stype, pop.types)
S_JK1_PS <- design_spec(jk1_ps, "jk1_ps",
  "JK1 jackknife of dclus1, then post-stratified on stype (every replicate post-stratified).",
  "replicate", "apiclus1.csv", ids = "dnum", weights = "pw", fpc = "fpc",
  call = "jk1_ps <- postStratify(as.svrepdesign(dclus1, type='JK1'), ~stype, pop.types)",
  replicate = replicate_spec(jk1_ps, "JK1", "dclus1"),
  calibration = list(method = "postStratify", variables = I("stype"),
                     population_counts = pop_counts_stype,
                     calibrated_weights = I(as.numeric(weights(jk1_ps, "sampling")))))
design_obj_for_df <- jk1_ps
add_case("X-rep-JK1-poststrat-mean", "apiclus1", S_JK1_PS, "svymean", c("api00", "api99"),
         list(), "svymean(~api00+api99, jk1_ps)", svymean(~api00 + api99, jk1_ps))
add_case("X-rep-JK1-poststrat-svyby", "apiclus1", S_JK1_PS, "svyby(svymean)",
         c("api00", "sch.wide"), list(), "svyby(~api00, ~sch.wide, jk1_ps, svymean)",
         svyby(~api00, ~sch.wide, jk1_ps, svymean))

# ---------------------------------------------------------------- options
design_obj_for_df <- dstrat
add_case("X-strat-mean-deff-replace", "apistrat", S_STRAT, "svymean", "api00",
         list(deff = "replace"), "svymean(~api00, dstrat, deff='replace')",
         svymean(~api00, dstrat, deff = "replace"),
         notes = "deff='replace': the SRS variance is that of sampling with replacement")
add_case("X-strat-quantile-score", "apistrat", S_STRAT, "svyquantile", "api00",
         list(quantiles = c(0.25, 0.5), interval.type = "score", qrule = "math", alpha = 0.05,
              ci = TRUE, df = "NULL -> degf(design)"),
         "svyquantile(~api00, dstrat, quantiles=c(0.25, 0.5), interval.type='score')",
         svyquantile(~api00, dstrat, quantiles = c(0.25, 0.5), interval.type = "score"))
add_case("X-strat-glm-binomial", "apistrat", S_STRAT, "svyglm(binomial)",
         c("sch.wide", "ell", "meals"), list(family = "binomial(logit)", rescale = TRUE,
           response_coding = "sch.wide factor: 'No' = 0 (first level), 'Yes' = 1"),
         "svyglm(sch.wide ~ ell + meals, design=dstrat, family=binomial())",
         suppressWarnings(svyglm(sch.wide ~ ell + meals, design = dstrat, family = binomial())),
         notes = "binomial() with survey weights: R warns about non-integer successes; estimates equal quasibinomial")
add_case("X-strat-glm-interaction", "apistrat", S_STRAT, "svyglm(gaussian)",
         c("api00", "ell", "meals", "stype"), list(family = "gaussian(identity)", rescale = TRUE),
         "svyglm(api00 ~ ell * stype + meals, design=dstrat)",
         svyglm(api00 ~ ell * stype + meals, design = dstrat))
design_obj_for_df <- jkn_strat
add_case("X-rep-JKn-quantile-interval-quantile", "apistrat", S_JKN, "svyquantile", "api00",
         list(quantiles = c(0.25, 0.5), interval.type = "quantile", qrule = "math", alpha = 0.05,
              ci = TRUE, df = "NULL -> degf(design)"),
         "svyquantile(~api00, jkn_strat, quantiles=c(0.25, 0.5), interval.type='quantile')",
         svyquantile(~api00, jkn_strat, quantiles = c(0.25, 0.5), interval.type = "quantile"))
design_obj_for_df <- boot_strat
add_case("X-rep-boot-quantile-interval-quantile", "apistrat", S_BOOT, "svyquantile", "api00",
         list(quantiles = 0.5, interval.type = "quantile", qrule = "math", alpha = 0.05,
              ci = TRUE, df = "NULL -> degf(design)"),
         "svyquantile(~api00, boot_strat, quantiles=0.5, interval.type='quantile')",
         svyquantile(~api00, boot_strat, quantiles = 0.5, interval.type = "quantile"))

design_obj_for_df <- dclus1
add_case("X-clus1-total-deff-replace", "apiclus1", S_CLUS1, "svytotal", "enroll",
         list(deff = "replace"), "svytotal(~enroll, dclus1, deff='replace')",
         svytotal(~enroll, dclus1, deff = "replace"))
for (it in c("xlogit", "asin", "beta")) {
  add_case(paste0("X-clus1-quantile-", it), "apiclus1", S_CLUS1, "svyquantile", "api00",
           list(quantiles = c(0.25, 0.5), interval.type = it, qrule = "math", alpha = 0.05,
                ci = TRUE, df = "NULL -> degf(design)"),
           paste0("svyquantile(~api00, dclus1, quantiles=c(0.25, 0.5), interval.type='", it, "')"),
           svyquantile(~api00, dclus1, quantiles = c(0.25, 0.5), interval.type = it))
}

# calibration of stratified and two-stage designs
cal_spec_on <- function(obj, name, base_spec, description, calibration, call) {
  calibration$calibrated_weights <- I(as.numeric(weights(obj)))
  calibration$calibrated_weights_note <- "final weights in data-file row order (for debugging)"
  s <- base_spec
  s$description <- description
  s$type <- "calibrated_taylor_linearization"
  s$calibration <- calibration
  s$r_design_call <- paste(s$r_design_call, call, sep = "; ")
  s$r_object_name <- name
  s$design_df <- degf(obj)
  s
}
dclus2_ps <- postStratify(dclus2, ~stype, pop.types)
S_CLUS2_PS <- cal_spec_on(dclus2_ps, "dclus2_ps", S_CLUS2, "dclus2 (two-stage) post-stratified on stype.",
  list(method = "postStratify", variables = I("stype"), population_counts = pop_counts_stype,
       population_source = "table(apipop$stype)"),
  "dclus2_ps <- postStratify(dclus2, ~stype, pop.types)")
design_obj_for_df <- dclus2_ps
add_case("X-cal-clus2-poststrat-mean", "apiclus2", S_CLUS2_PS, "svymean", "api00", list(),
         "svymean(~api00, dclus2_ps)", svymean(~api00, dclus2_ps))
add_case("X-cal-clus2-poststrat-total-narm", "apiclus2", S_CLUS2_PS, "svytotal", "enroll",
         list(na.rm = TRUE), "svytotal(~enroll, dclus2_ps, na.rm=TRUE)",
         svytotal(~enroll, dclus2_ps, na.rm = TRUE))
pop_api99 <- c(`(Intercept)` = 6194, api99 = sum(apipop$api99))
dstrat_cal <- calibrate(dstrat, ~api99, pop_api99)
S_STRAT_CAL <- cal_spec_on(dstrat_cal, "dstrat_cal", S_STRAT, "dstrat GREG-calibrated on ~api99.",
  list(method = "calibrate", formula = "~api99", calfun = "linear",
       population_totals = as.list(pop_api99), population_source = "nrow(apipop), sum(apipop$api99)",
       bounds = I(c("-Inf", "Inf"))),
  "dstrat_cal <- calibrate(dstrat, ~api99, c(`(Intercept)`=6194, api99=sum(apipop$api99)))")
design_obj_for_df <- dstrat_cal
add_case("X-cal-strat-greg-mean", "apistrat", S_STRAT_CAL, "svymean", c("api00", "enroll"), list(),
         "svymean(~api00+enroll, dstrat_cal)", svymean(~api00 + enroll, dstrat_cal))
add_case("X-cal-strat-greg-svyby", "apistrat", S_STRAT_CAL, "svyby(svymean)", c("api00", "stype"),
         list(), "svyby(~api00, ~stype, dstrat_cal, svymean)", svyby(~api00, ~stype, dstrat_cal, svymean))
dstrat_rake <- rake(dstrat, list(~sch.wide, ~awards), list(
  data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122)),
  data.frame(awards = c("No", "Yes"), Freq = as.vector(table(apipop$awards)))))
S_STRAT_RAKE <- cal_spec_on(dstrat_rake, "dstrat_rake", S_STRAT, "dstrat raked to sch.wide and awards margins.",
  list(method = "rake", margins = I(c("sch.wide", "awards")),
       population_counts = list(sch.wide = list(No = 1072, Yes = 5122),
                                awards = as.list(setNames(as.numeric(table(apipop$awards)), c("No", "Yes")))),
       control = list(maxit = 10, epsilon = 1)),
  "dstrat_rake <- rake(dstrat, list(~sch.wide, ~awards), list(pop.schwide, pop.awards))")
design_obj_for_df <- dstrat_rake
add_case("X-cal-strat-rake-mean", "apistrat", S_STRAT_RAKE, "svymean", "api00", list(),
         "svymean(~api00, dstrat_rake)", svymean(~api00, dstrat_rake))
add_case("X-cal-strat-rake-glm", "apistrat", S_STRAT_RAKE, "svyglm(gaussian)", c("api00", "ell", "meals"),
         list(family = "gaussian(identity)", rescale = TRUE),
         "svyglm(api00 ~ ell + meals, design=dstrat_rake)", svyglm(api00 ~ ell + meals, design = dstrat_rake))

# errors R reports when converting to replicate weights
err_spec <- function(spec, type, from, call) {
  spec$type <- "replicate"
  spec$replicate <- list(type = type, converted_from = from)
  spec$r_design_call <- paste(spec$r_design_call, call, sep = "; ")
  spec
}
design_obj_for_df <- dclus1
add_case("X-error-brr-unstratified", "apiclus1",
         err_spec(S_CLUS1, "BRR", "dclus1", "as.svrepdesign(dclus1, type='BRR')"), "svymean",
         "api00", list(), "svymean(~api00, as.svrepdesign(dclus1, type='BRR'))",
         run(as.svrepdesign(dclus1, type = "BRR")),
         notes = "BRR needs strata with two PSUs each")
dlonely_fail <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat_lonely, fpc = ~fpc)
design_obj_for_df <- dlonely_fail
S_LONELY_FAIL <- design_spec(dlonely_fail, "dlonely",
  "Subset of apistrat: all 150 E and H schools plus ONE M school; stratum M has a single PSU. Data: apistrat_lonely.csv.",
  "taylor_linearization", "apistrat_lonely.csv", strata = "stype", weights = "pw", fpc = "fpc",
  call = "dlonely <- svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat_lonely, fpc=~fpc)")
add_case("X-error-jkn-lonely-fail", "apistrat (subset)",
         err_spec(S_LONELY_FAIL, "JKn", "dlonely", "as.svrepdesign(dlonely, type='JKn')"), "svymean",
         "api00", list(survey.lonely.psu = "fail"),
         "svymean(~api00, as.svrepdesign(dlonely, type='JKn'))",
         run(as.svrepdesign(dlonely_fail, type = "JKn")),
         notes = "a stratum with one PSU cannot be jackknifed under survey.lonely.psu='fail'")

# ratio design effects on other designs
design_obj_for_df <- dclus2
add_case("X-clus2-svyby-ratio-deff", "apiclus2", S_CLUS2, "svyby(svyratio)",
         c("api.stu", "api00", "stype"), list(deff = TRUE),
         "svyby(~api.stu, ~stype, dclus2, svyratio, denominator=~api00, deff=TRUE)",
         svyby(~api.stu, ~stype, dclus2, svyratio, denominator = ~api00, deff = TRUE),
         extra = list(by = I("stype"), ratio_numerator_denominator = list(
           numerator = I("api.stu"), denominator = I("api00"))))
design_obj_for_df <- dclus1_ps
add_case("X-cal-poststrat-ratio-deff", "apiclus1", S_PS, "svyratio", c("api.stu", "enroll"),
         list(deff = TRUE), "svyratio(~api.stu, ~enroll, dclus1_ps, deff=TRUE)",
         svyratio(~api.stu, ~enroll, dclus1_ps, deff = TRUE),
         extra = list(ratio_numerator_denominator = list(numerator = I("api.stu"),
                                                         denominator = I("enroll"))))

# model terms beyond main effects
design_obj_for_df <- dclus2
add_case("X-clus2-glm-transformed-terms", "apiclus2", S_CLUS2, "svyglm(gaussian)",
         c("api00", "ell", "enroll"), list(family = "gaussian(identity)", rescale = TRUE),
         "svyglm(api00 ~ ell + I(ell^2) + log(enroll), design=dclus2)",
         svyglm(api00 ~ ell + I(ell^2) + log(enroll), design = dclus2),
         notes = "enroll is missing for 6 schools: glm() drops them (na.omit)")
design_obj_for_df <- dstrat
add_case("X-strat-glm-factor-interaction", "apistrat", S_STRAT, "svyglm(gaussian)",
         c("api00", "stype", "awards", "meals"), list(family = "gaussian(identity)", rescale = TRUE),
         "svyglm(api00 ~ stype*awards + meals, design=dstrat)",
         svyglm(api00 ~ stype * awards + meals, design = dstrat))
add_case("X-strat-glm-quasibinomial-factor-by-numeric", "apistrat", S_STRAT, "svyglm(quasibinomial)",
         c("sch.wide", "stype", "meals"), list(family = "quasibinomial(logit)", rescale = TRUE,
           response_coding = "sch.wide factor: 'No' = 0 (first level), 'Yes' = 1"),
         "svyglm(sch.wide ~ stype*meals, design=dstrat, family=quasibinomial())",
         svyglm(sch.wide ~ stype * meals, design = dstrat, family = quasibinomial()))

# variances by domain
design_obj_for_df <- dclus1
add_case("X-clus1-svyby-var", "apiclus1", S_CLUS1, "svyby(svyvar)", c("api00", "stype"), list(),
         "svyby(~api00, ~stype, dclus1, svyvar)", svyby(~api00, ~stype, dclus1, svyvar))
design_obj_for_df <- jkn_strat
add_case("X-rep-JKn-svyby-var", "apistrat", S_JKN, "svyby(svyvar)", c("api00", "sch.wide"),
         list(), "svyby(~api00, ~sch.wide, jkn_strat, svyvar)",
         svyby(~api00, ~sch.wide, jkn_strat, svyvar))
design_obj_for_df <- dstrat
add_case("X-domain-strat-subset-in", "apistrat",
         with_subset(S_STRAT, subset(dstrat, stype %in% c("E", "M") & !is.na(acs.k3)), "dstrat_EMk3",
                     "stype %in% c('E', 'M') & !is.na(acs.k3)",
                     "dstrat_EMk3 <- subset(dstrat, stype %in% c('E', 'M') & !is.na(acs.k3))"),
         "svymean (domain)", c("acs.k3", "api00"), list(),
         "svymean(~acs.k3+api00, dstrat_EMk3)",
         svymean(~acs.k3 + api00, subset(dstrat, stype %in% c("E", "M") & !is.na(acs.k3))))
cases[[length(cases)]]$df <- degf(subset(dstrat, stype %in% c("E", "M") & !is.na(acs.k3)))

# ultimate-cluster variance for a two-stage design
options(survey.ultimate.cluster = TRUE)
design_obj_for_df <- dclus2
add_case("X-clus2-ultimate-cluster-mean", "apiclus2", S_CLUS2, "svymean", c("api00", "enroll"),
         list(na.rm = TRUE, survey.ultimate.cluster = TRUE),
         "svymean(~api00+enroll, dclus2, na.rm=TRUE)", svymean(~api00 + enroll, dclus2, na.rm = TRUE),
         notes = "options(survey.ultimate.cluster=TRUE): only first-stage PSU totals enter the variance")
add_case("X-clus2-ultimate-cluster-svyby", "apiclus2", S_CLUS2, "svyby(svytotal)",
         c("api.stu", "stype"), list(survey.ultimate.cluster = TRUE),
         "svyby(~api.stu, ~stype, dclus2, svytotal)", svyby(~api.stu, ~stype, dclus2, svytotal))
options(survey.ultimate.cluster = FALSE)

# replicate GLMs with incomplete rows
design_obj_for_df <- jk1_clus2
add_case("X-rep-JK1-clus2-glm-missing", "apiclus2", S_JK1_CLUS2, "svyglm(gaussian)",
         c("api00", "enroll", "ell"), list(family = "gaussian(identity)", rescale = TRUE),
         "svyglm(api00 ~ enroll + ell, design=jk1_clus2)",
         svyglm(api00 ~ enroll + ell, design = jk1_clus2),
         notes = "enroll is missing for 6 schools: glm() drops them (na.omit)")
add_case("X-rep-JK1-clus2-glm-quasibinomial-missing", "apiclus2", S_JK1_CLUS2,
         "svyglm(quasibinomial)", c("sch.wide", "enroll", "meals"),
         list(family = "quasibinomial(logit)", rescale = TRUE,
              response_coding = "sch.wide factor: 'No' = 0 (first level), 'Yes' = 1"),
         "svyglm(sch.wide ~ enroll + meals, design=jk1_clus2, family=quasibinomial())",
         svyglm(sch.wide ~ enroll + meals, design = jk1_clus2, family = quasibinomial()))
design_obj_for_df <- dclus1
add_case("X-clus1-glm-missing", "apiclus1", S_CLUS1, "svyglm(gaussian)",
         c("api00", "acs.k3", "meals"), list(family = "gaussian(identity)", rescale = TRUE),
         "svyglm(api00 ~ acs.k3 + meals, design=dclus1)",
         svyglm(api00 ~ acs.k3 + meals, design = dclus1))

# a bootstrap replicate design of the two-stage sample (weights implied by fpc), and one
# post-stratified after conversion
set.seed(4242)
boot_clus2 <- as.svrepdesign(dclus2, type = "bootstrap", replicates = 40)
S_BOOT_CLUS2 <- design_spec(boot_clus2, "boot_clus2",
  "Rao-Wu rescaled bootstrap (40 replicates) of dclus2; weights implied by the two-stage fpc; replicate weights stored.",
  "replicate", "apiclus2.csv", ids = c("dnum", "snum"), fpc = c("fpc1", "fpc2"),
  call = "set.seed(4242); boot_clus2 <- as.svrepdesign(dclus2, type='bootstrap', replicates=40)",
  replicate = replicate_spec(boot_clus2, "bootstrap", "dclus2", store_weights = TRUE))
design_obj_for_df <- boot_clus2
add_case("X-rep-boot-clus2-svyby-mean-narm", "apiclus2", S_BOOT_CLUS2, "svyby(svymean)",
         c("enroll", "stype"), list(na.rm = TRUE),
         "svyby(~enroll, ~stype, boot_clus2, svymean, na.rm=TRUE)",
         svyby(~enroll, ~stype, boot_clus2, svymean, na.rm = TRUE))
add_case("X-rep-boot-clus2-quantile-narm", "apiclus2", S_BOOT_CLUS2, "svyquantile", "enroll",
         list(quantiles = c(0.5, 0.75), interval.type = "mean", qrule = "math", alpha = 0.05,
              ci = TRUE, df = "NULL -> degf(design)", na.rm = TRUE),
         "svyquantile(~enroll, boot_clus2, quantiles=c(0.5, 0.75), na.rm=TRUE)",
         svyquantile(~enroll, boot_clus2, quantiles = c(0.5, 0.75), na.rm = TRUE))
boot_ps <- postStratify(boot_strat, ~sch.wide,
                        data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122)))
S_BOOT_PS <- design_spec(boot_ps, "boot_ps",
  "The stored bootstrap of dstrat (boot_strat), post-stratified on sch.wide; stored replicate weights are the post-stratified ones.",
  "replicate", "apistrat.csv", strata = "stype", weights = "pw", fpc = "fpc",
  call = "boot_ps <- postStratify(boot_strat, ~sch.wide, data.frame(sch.wide=c('No','Yes'), Freq=c(1072,5122)))",
  replicate = replicate_spec(boot_ps, "bootstrap", "dstrat", store_weights = TRUE),
  calibration = list(method = "postStratify", variables = I("sch.wide"),
                     population_counts = list(No = 1072, Yes = 5122),
                     calibrated_weights = I(as.numeric(weights(boot_ps, "sampling")))))
design_obj_for_df <- boot_ps
add_case("X-rep-boot-poststrat-mean", "apistrat", S_BOOT_PS, "svymean", c("api00", "meals"), list(),
         "svymean(~api00+meals, boot_ps)", svymean(~api00 + meals, boot_ps))
add_case("X-rep-boot-poststrat-svyby-ratio", "apistrat", S_BOOT_PS, "svyby(svyratio)",
         c("api.stu", "enroll", "stype"), list(),
         "svyby(~api.stu, ~stype, boot_ps, svyratio, denominator=~enroll)",
         svyby(~api.stu, ~stype, boot_ps, svyratio, denominator = ~enroll),
         extra = list(by = I("stype"), ratio_numerator_denominator = list(
           numerator = I("api.stu"), denominator = I("enroll"))))

# missing values in several places
design_obj_for_df <- dstrat
add_case("X-strat-mean-two-narm", "apistrat", S_STRAT, "svymean", c("acs.k3", "acs.46"),
         list(na.rm = TRUE), "svymean(~acs.k3+acs.46, dstrat, na.rm=TRUE)",
         svymean(~acs.k3 + acs.46, dstrat, na.rm = TRUE),
         notes = "rows missing either variable leave both estimates (complete cases)")
add_case("X-strat-svyby-quantile-narm", "apistrat", S_STRAT, "svyby(svyquantile)",
         c("acs.46", "stype"),
         list(quantiles = 0.5, interval.type = "mean", qrule = "math", alpha = 0.05, na.rm = TRUE),
         "svyby(~acs.46, ~stype, dstrat, svyquantile, quantiles=0.5, na.rm=TRUE)",
         svyby(~acs.46, ~stype, dstrat, svyquantile, quantiles = 0.5, na.rm = TRUE))
add_case("X-strat-svyby-ratio-narm", "apistrat", S_STRAT, "svyby(svyratio)",
         c("acs.k3", "api00", "sch.wide"), list(na.rm = TRUE),
         "svyby(~acs.k3, ~sch.wide, dstrat, svyratio, denominator=~api00, na.rm=TRUE)",
         svyby(~acs.k3, ~sch.wide, dstrat, svyratio, denominator = ~api00, na.rm = TRUE),
         extra = list(by = I("sch.wide"), ratio_numerator_denominator = list(
           numerator = I("acs.k3"), denominator = I("api00"))))
add_case("X-strat-quantile-narm-hf7", "apistrat", S_STRAT, "svyquantile", "acs.k3",
         list(quantiles = c(0.1, 0.5), interval.type = "mean", qrule = "hf7", alpha = 0.05,
              ci = TRUE, df = "NULL -> degf(design)", na.rm = TRUE),
         "svyquantile(~acs.k3, dstrat, quantiles=c(0.1, 0.5), qrule='hf7', na.rm=TRUE)",
         svyquantile(~acs.k3, dstrat, quantiles = c(0.1, 0.5), qrule = "hf7", na.rm = TRUE))
add_case("X-strat-svyby-quantile-two-by", "apistrat", S_STRAT, "svyby(svyquantile)",
         c("api00", "stype", "sch.wide"),
         list(quantiles = 0.5, interval.type = "mean", qrule = "math", alpha = 0.05),
         "svyby(~api00, ~stype+sch.wide, dstrat, svyquantile, quantiles=0.5)",
         svyby(~api00, ~stype + sch.wide, dstrat, svyquantile, quantiles = 0.5),
         extra = list(by = I(c("stype", "sch.wide"))))
add_case("X-strat-var-narm-multi", "apistrat", S_STRAT, "svyvar", c("acs.k3", "api00"),
         list(na.rm = TRUE), "svyvar(~acs.k3+api00, dstrat, na.rm=TRUE)",
         svyvar(~acs.k3 + api00, dstrat, na.rm = TRUE))
jk1_srs <- as.svrepdesign(dsrs, type = "JK1")
S_JK1_SRS <- design_spec(jk1_srs, "jk1_srs", "JK1 jackknife of the simple random sample dsrs (fpc kept in the scale).",
  "replicate", "apisrs.csv", fpc = "fpc", call = "jk1_srs <- as.svrepdesign(dsrs, type='JK1')",
  replicate = replicate_spec(jk1_srs, "JK1", "dsrs"))
design_obj_for_df <- jk1_srs
add_case("X-rep-JK1-srs-mean-narm", "apisrs", S_JK1_SRS, "svymean", c("acs.k3", "api00"),
         list(na.rm = TRUE), "svymean(~acs.k3+api00, jk1_srs, na.rm=TRUE)",
         svymean(~acs.k3 + api00, jk1_srs, na.rm = TRUE))
add_case("X-rep-JK1-srs-svyby-total-factor", "apisrs", S_JK1_SRS, "svyby(svytotal)",
         c("sch.wide", "stype"), list(), "svyby(~sch.wide, ~stype, jk1_srs, svytotal)",
         svyby(~sch.wide, ~stype, jk1_srs, svytotal))
add_case("X-rep-JK1-srs-glm-factor", "apisrs", S_JK1_SRS, "svyglm(quasipoisson)",
         c("enroll", "stype", "meals"), list(family = "quasipoisson(log)", rescale = TRUE),
         "svyglm(enroll ~ stype + meals, design=jk1_srs, family=quasipoisson())",
         svyglm(enroll ~ stype + meals, design = jk1_srs, family = quasipoisson()))

# proportions with intervals inside [0, 1]
design_obj_for_df <- dclus1
for (m in c("logit", "mean", "asin", "xlogit", "beta")) {
  res <- svyciprop(~I(sch.wide == "Yes"), dclus1, method = m)
  add_case(paste0("X-clus1-ciprop-", m), "apiclus1", S_CLUS1, "svyciprop", "sch.wide",
           list(method = m, level = 0.95), paste0("svyciprop(~I(sch.wide == 'Yes'), dclus1, method='", m, "')"),
           res, extra = list(ci_lower = named(attr(res, "ci")[1], names(res)),
                             ci_upper = named(attr(res, "ci")[2], names(res)), ci_level = 0.95))
}
design_obj_for_df <- jkn_strat
res <- svyciprop(~I(stype == "H"), jkn_strat, method = "logit")
add_case("X-rep-JKn-ciprop-logit", "apistrat", S_JKN, "svyciprop", "stype",
         list(method = "logit", level = 0.95), "svyciprop(~I(stype == 'H'), jkn_strat, method='logit')",
         res, extra = list(ci_lower = named(attr(res, "ci")[1], names(res)),
                           ci_upper = named(attr(res, "ci")[2], names(res)), ci_level = 0.95))

# design effects on calibrated and replicate designs
design_obj_for_df <- dclus1_ps
add_case("X-cal-poststrat-mean-deff", "apiclus1", S_PS, "svymean", c("api00", "enroll"),
         list(deff = TRUE), "svymean(~api00+enroll, dclus1_ps, deff=TRUE)",
         svymean(~api00 + enroll, dclus1_ps, deff = TRUE))
design_obj_for_df <- dclus1_raking
add_case("X-cal-raking-svyby-total-deff", "apiclus1", S_RAKING, "svyby(svytotal)",
         c("enroll", "sch.wide"), list(deff = TRUE),
         "svyby(~enroll, ~sch.wide, dclus1_raking, svytotal, deff=TRUE)",
         svyby(~enroll, ~sch.wide, dclus1_raking, svytotal, deff = TRUE))
design_obj_for_df <- jk1_clus2
add_case("X-rep-JK1-clus2-total-deff", "apiclus2", S_JK1_CLUS2, "svytotal", c("api00", "api.stu"),
         list(deff = TRUE), "svytotal(~api00+api.stu, jk1_clus2, deff=TRUE)",
         svytotal(~api00 + api.stu, jk1_clus2, deff = TRUE))
design_obj_for_df <- boot_strat
add_case("X-rep-boot-svyby-mean-deff", "apistrat", S_BOOT, "svyby(svymean)", c("api00", "sch.wide"),
         list(deff = TRUE), "svyby(~api00, ~sch.wide, boot_strat, svymean, deff=TRUE)",
         svyby(~api00, ~sch.wide, boot_strat, svymean, deff = TRUE))

# more quantile intervals
design_obj_for_df <- dclus1
add_case("X-clus1-quantile-score", "apiclus1", S_CLUS1, "svyquantile", "api00",
         list(quantiles = c(0.1, 0.5, 0.9), interval.type = "score", qrule = "math", alpha = 0.05,
              ci = TRUE, df = "NULL -> degf(design)"),
         "svyquantile(~api00, dclus1, quantiles=c(0.1, 0.5, 0.9), interval.type='score')",
         svyquantile(~api00, dclus1, quantiles = c(0.1, 0.5, 0.9), interval.type = "score"))
design_obj_for_df <- dclus2_E
add_case("X-domain-clus2-E-quantile-score", "apiclus2", S_CLUS2_E, "svyquantile", "api00",
         list(quantiles = 0.5, interval.type = "score", qrule = "math", alpha = 0.05,
              ci = TRUE, df = "NULL -> degf(design)"),
         "svyquantile(~api00, dclus2_E, quantiles=0.5, interval.type='score')",
         svyquantile(~api00, dclus2_E, quantiles = 0.5, interval.type = "score"))
design_obj_for_df <- jk1_clus2
add_case("X-rep-JK1-clus2-quantile-xlogit", "apiclus2", S_JK1_CLUS2, "svyquantile", "api00",
         list(quantiles = c(0.25, 0.75), interval.type = "xlogit", qrule = "hf7", alpha = 0.1,
              ci = TRUE, df = "NULL -> degf(design)"),
         "svyquantile(~api00, jk1_clus2, quantiles=c(0.25, 0.75), interval.type='xlogit', qrule='hf7', alpha=0.1)",
         svyquantile(~api00, jk1_clus2, quantiles = c(0.25, 0.75), interval.type = "xlogit",
                     qrule = "hf7", alpha = 0.1))
design_obj_for_df <- dclus1_ps
add_case("X-cal-poststrat-quantile-beta", "apiclus1", S_PS, "svyquantile", "enroll",
         list(quantiles = c(0.5, 0.9), interval.type = "beta", qrule = "math", alpha = 0.05,
              ci = TRUE, df = "NULL -> degf(design)"),
         "svyquantile(~enroll, dclus1_ps, quantiles=c(0.5, 0.9), interval.type='beta')",
         svyquantile(~enroll, dclus1_ps, quantiles = c(0.5, 0.9), interval.type = "beta"))

# confidence limits as confint() reports them (normal quantiles unless df is given)
ci_extra <- function(res, df = Inf) {
  ci <- confint(res, df = df)
  nm <- if (inherits(res, "svyglm")) names(coef(res)) else names(coef(res))
  list(ci_lower = named(ci[, 1], nm), ci_upper = named(ci[, 2], nm), ci_level = 0.95,
       ci_df = if (is.finite(df)) df else "Inf (normal quantiles)")
}
design_obj_for_df <- dclus1
res <- svymean(~api00 + api99, dclus1)
add_case("X-clus1-mean-confint-normal", "apiclus1", S_CLUS1, "svymean", c("api00", "api99"), list(),
         "svymean(~api00+api99, dclus1); confint(.)", res, extra = ci_extra(res))
res <- svytotal(~enroll, dclus1)
add_case("X-clus1-total-confint-t", "apiclus1", S_CLUS1, "svytotal", "enroll", list(),
         "svytotal(~enroll, dclus1); confint(., df=degf(dclus1))", res,
         extra = ci_extra(res, degf(dclus1)))
design_obj_for_df <- jkn_strat
res <- svyglm(api00 ~ ell + meals, design = jkn_strat)
add_case("X-rep-JKn-glm-confint", "apistrat", S_JKN, "svyglm(gaussian)", c("api00", "ell", "meals"),
         list(family = "gaussian(identity)", rescale = TRUE),
         "svyglm(api00 ~ ell + meals, design=jkn_strat); confint(.)", res, extra = ci_extra(res))

# BRR on the small scd design
scdbrr <- as.svrepdesign(scdnofpc, type = "BRR")
S_BRR <- design_spec(scdbrr, "scdbrr", "Balanced repeated replication (Hadamard half-samples) built from scdnofpc.",
  "replicate", "scd.csv", ids = "ambulance", strata = "ESA", probs = "1 (prob=~1)", nest = TRUE,
  call = "scdnofpc <- svydesign(data=scd, prob=~1, id=~ambulance, strata=~ESA, nest=TRUE); scdbrr <- as.svrepdesign(scdnofpc, type='BRR')",
  replicate = replicate_spec(scdbrr, "BRR", "scdnofpc", store_weights = TRUE, fay_rho = 0))
design_obj_for_df <- scdbrr
add_case("X-rep-BRR-scd-glm", "scd", S_BRR, "svyglm(gaussian)", c("alive", "arrests"),
         list(family = "gaussian(identity)", rescale = TRUE),
         "svyglm(alive ~ arrests, design=scdbrr)", svyglm(alive ~ arrests, design = scdbrr))
add_case("X-rep-BRR-scd-total-var", "scd", S_BRR, "svyvar", c("arrests"), list(),
         "svyvar(~arrests, scdbrr)", svyvar(~arrests, scdbrr))
design_obj_for_df <- scdfay
add_case("X-rep-Fay-scd-quantile", "scd", S_FAY, "svyquantile", "arrests",
         list(quantiles = 0.5, interval.type = "quantile", qrule = "hf7", alpha = 0.05,
              ci = TRUE, df = "NULL -> degf(design)"),
         "svyquantile(~arrests, scdfay, quantiles=0.5, interval.type='quantile', qrule='hf7')",
         svyquantile(~arrests, scdfay, quantiles = 0.5, interval.type = "quantile", qrule = "hf7"))

# jackknife of a design with a lonely stratum under each rule
for (rule in c("adjust", "average", "remove", "certainty")) {
  options(survey.lonely.psu = rule)
  r <- run(as.svrepdesign(dlonely_fail, type = "JKn"))
  spec <- S_LONELY_FAIL
  spec$lonely_psu_option <- rule
  if (inherits(r, "error")) {
    spec <- err_spec(spec, "JKn", "dlonely", "as.svrepdesign(dlonely, type='JKn')")
    design_obj_for_df <- dlonely_fail
    add_case(paste0("X-rep-JKn-lonely-", rule), "apistrat (subset)", spec, "svymean", "api00",
             list(survey.lonely.psu = rule), "svymean(~api00, as.svrepdesign(dlonely, type='JKn'))", r)
  } else {
    spec <- design_spec(r, "jkn_lonely", spec$description, "replicate", "apistrat_lonely.csv",
      strata = "stype", weights = "pw", fpc = "fpc",
      call = paste0("options(survey.lonely.psu='", rule, "'); jkn_lonely <- as.svrepdesign(dlonely, type='JKn')"),
      replicate = replicate_spec(r, "JKn", "dlonely"), lonely = rule)
    design_obj_for_df <- r
    add_case(paste0("X-rep-JKn-lonely-", rule), "apistrat (subset)", spec, "svymean", "api00",
             list(survey.lonely.psu = rule), "svymean(~api00, jkn_lonely)", svymean(~api00, r))
  }
}
options(survey.lonely.psu = "fail")

# calibration of replicate designs (every replicate calibrated)
jk1_cal <- calibrate(as.svrepdesign(dclus1, type = "JK1"), ~stype + api99, pop_tot)
S_JK1_CAL <- design_spec(jk1_cal, "jk1_cal",
  "JK1 jackknife of dclus1, then GREG-calibrated on ~stype+api99 (every replicate calibrated).",
  "replicate", "apiclus1.csv", ids = "dnum", weights = "pw", fpc = "fpc",
  call = "jk1_cal <- calibrate(as.svrepdesign(dclus1, type='JK1'), ~stype+api99, pop.totals.cal)",
  replicate = replicate_spec(jk1_cal, "JK1", "dclus1"),
  calibration = list(method = "calibrate", formula = "~stype+api99", calfun = "linear",
                     population_totals = pop_tot_list, bounds = I(c("-Inf", "Inf")),
                     calibrated_weights = I(as.numeric(weights(jk1_cal, "sampling")))))
design_obj_for_df <- jk1_cal
add_case("X-rep-JK1-greg-mean", "apiclus1", S_JK1_CAL, "svymean", c("api00", "enroll"), list(),
         "svymean(~api00+enroll, jk1_cal)", svymean(~api00 + enroll, jk1_cal))
add_case("X-rep-JK1-greg-glm", "apiclus1", S_JK1_CAL, "svyglm(gaussian)", c("api00", "ell", "meals"),
         list(family = "gaussian(identity)", rescale = TRUE),
         "svyglm(api00 ~ ell + meals, design=jk1_cal)", svyglm(api00 ~ ell + meals, design = jk1_cal))
jkn_rake <- rake(jkn_strat, list(~sch.wide), list(data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))))
S_JKN_RAKE <- design_spec(jkn_rake, "jkn_rake",
  "JKn jackknife of dstrat raked (one margin: sch.wide) in every replicate.",
  "replicate", "apistrat.csv", strata = "stype", weights = "pw", fpc = "fpc",
  call = "jkn_rake <- rake(jkn_strat, list(~sch.wide), list(pop.schwide))",
  replicate = replicate_spec(jkn_rake, "JKn", "dstrat"),
  calibration = list(method = "rake", margins = I("sch.wide"),
                     population_counts = list(sch.wide = list(No = 1072, Yes = 5122)),
                     control = list(maxit = 10, epsilon = 1),
                     calibrated_weights = I(as.numeric(weights(jkn_rake, "sampling")))))
design_obj_for_df <- jkn_rake
add_case("X-rep-JKn-rake-svyby", "apistrat", S_JKN_RAKE, "svyby(svymean)", c("api00", "stype"), list(),
         "svyby(~api00, ~stype, jkn_rake, svymean)", svyby(~api00, ~stype, jkn_rake, svymean))

# ---------------------------------------------------------------- write
doc <- list(
  title = "govstats reference cases: design-based survey estimators (extra set)",
  reference_implementation = "R survey package (Thomas Lumley)",
  provenance = list(
    generated_by = "tests/reference/generate_survey_extra.R",
    generated_at_utc = format(Sys.time(), "%Y-%m-%d %H:%M:%S UTC", tz = "UTC"),
    r_version = R.version.string,
    survey_version = as.character(packageVersion("survey")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    platform = R.version$platform,
    number_format = "doubles written by jsonlite with digits=NA (15 significant digits, 17 when needed to round-trip)",
    survey_options = list(survey.lonely.psu = "fail", survey.replicates.mse = FALSE,
                          survey.adjust.domain.lonely = FALSE, survey.ultimate.cluster = FALSE)
  ),
  data_files_relative_to = "data_file paths are relative to the folder that contains shared/; the same files are under tests/reference/data/",
  field_guide = list(
    estimate = "named point estimates (names as R reports them; a single variable's quantiles are named by their probabilities)",
    se = "standard errors = SE(result)",
    vcov = "full covariance matrix when more than one estimate (not for svyby or svyquantile)",
    df = "degrees of freedom: degf(design) for svymean/svytotal/svyratio/svyby/svyquantile/svyvar; residual df for svyglm",
    deff = "design effects as deff(result) when the call has deff=TRUE",
    by = "svyby grouping columns when there is more than one variable or more than one by column",
    status = "'ok' or 'error' (error_message then holds R's message)"
  ),
  n_cases = length(cases),
  cases = cases
)
writeLines(toJSON(doc, auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null",
                  na = "null"),
           file.path(out_dir, "survey_cases_extra.json"))
cat("wrote", length(cases), "cases\n")
