# Generate tests/reference/sem_cases.json: lavaan reference cases for govstats.sem.
#
# Versions used for the committed file: R 4.2.2, lavaan 0.6-14, jsonlite.
#
# Run from the repository root:
#     Rscript tests/reference/generate_sem.R
#
# The data are lavaan's own HolzingerSwineford1939 and PoliticalDemocracy, written
# beside this script as CSV. HolzingerSwineford1939 gains two columns drawn here
# with a fixed seed so that weighted and clustered fits have something to use:
# `w` (a sampling weight, uniform on [0.5, 2.5]) and `clus` (61 clusters of
# five consecutive rows). Every case records the exact lavaan call; every number stored
# is what lavaan returns for that call (parameterEstimates with standardized
# solutions, fitMeasures).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
out_dir <- if (length(script)) dirname(normalizePath(script)) else "tests/reference"

hs <- HolzingerSwineford1939
set.seed(20240611)
hs$w <- round(runif(nrow(hs), 0.5, 2.5), 4)
hs$clus <- (seq_len(nrow(hs)) - 1L) %/% 5L + 1L
hs$female <- as.numeric(hs$sex == 2)
hs$age <- hs$ageyr + hs$agemo / 12
hs_out <- hs[, c("id", "school", "female", "age", paste0("x", 1:9), "w", "clus")]
write.csv(hs_out, file.path(out_dir, "data", "holzinger_swineford.csv"), row.names = FALSE)
pd <- PoliticalDemocracy
write.csv(pd, file.path(out_dir, "data", "political_democracy.csv"), row.names = FALSE)
hs <- hs_out

HS3 <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"

POLDEM <- "ind60 =~ x1 + x2 + x3
dem60 =~ y1 + a*y2 + b*y3 + c*y4
dem65 =~ y5 + a*y6 + b*y7 + c*y8
dem60 ~ p1*ind60
dem65 ~ p2*ind60 + p3*dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
indirect := p1*p3
total := p2 + p1*p3"

COVARIATES <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
visual ~ age + female
textual ~ g1*visual + female"

MEDIATION <- "x5 ~ a*x1 + female
x9 ~ b*x5 + c*x1 + female
ab := a*b
total := c + a*b"

PATHS_LV <- "info =~ x1 + x2 + x3
part =~ x4 + x5 + x6
serv =~ x7 + x8 + x9
part ~ a*info + female
serv ~ b*part + c*info + female
ab := a*b
prop := a*b / (c + a*b)"

FIT_NAMES <- c("npar", "fmin", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled",
               "pvalue.scaled", "chisq.scaling.factor", "baseline.chisq", "baseline.df",
               "baseline.chisq.scaled", "baseline.chisq.scaling.factor", "cfi", "tli",
               "cfi.scaled", "tli.scaled", "cfi.robust", "tli.robust", "logl",
               "unrestricted.logl", "aic", "bic", "rmsea", "rmsea.ci.lower",
               "rmsea.ci.upper", "rmsea.pvalue", "rmsea.scaled", "rmsea.ci.lower.scaled",
               "rmsea.ci.upper.scaled", "rmsea.robust", "srmr", "ntotal", "bic2",
               "baseline.pvalue", "baseline.df.scaled", "baseline.pvalue.scaled", "nnfi",
               "rfi", "nfi", "pnfi", "ifi", "rni", "nnfi.scaled", "rfi.scaled",
               "nfi.scaled", "pnfi.scaled", "ifi.scaled", "rni.scaled", "rmsea.pvalue",
               "rmsea.notclose.pvalue", "rmsea.pvalue.scaled")

cases <- list()

add_case <- function(name, why, fun, model, data_name, data, ...) {
  extra <- list(...)
  fit <- do.call(fun, c(list(model = model, data = data), extra))
  pe <- parameterEstimates(fit, standardized = TRUE, remove.nonfree = FALSE)
  if (is.null(pe$group)) pe$group <- 1L
  fm <- fitMeasures(fit)
  fm <- fm[names(fm) %in% FIT_NAMES]
  opts <- lavInspect(fit, "options")
  call_txt <- paste0(fun, "(model, data = ", data_name,
                     if (length(extra)) paste0(", ", paste(names(extra),
                       sapply(extra, function(v) deparse(v, width.cutoff = 200L)),
                       sep = " = ", collapse = ", ")) else "", ")")
  cases[[name]] <<- list(
    why = why,
    r_call = call_txt,
    fun = fun,
    model = model,
    data = data_name,
    args = extra,
    lavaan_options = list(estimator = opts$estimator, se = opts$se, test = opts$test,
                          information = opts$information[1],
                          meanstructure = lavInspect(fit, "meanstructure")),
    ntotal = lavInspect(fit, "ntotal"),
    group_labels = lavInspect(fit, "group.label"),
    parameters = list(
      lhs = pe$lhs, op = pe$op, rhs = pe$rhs, group = as.integer(pe$group),
      label = pe$label, est = pe$est, se = pe$se, std_lv = pe$std.lv,
      std_all = pe$std.all, free = as.integer(partable(fit)$free[match(
        paste(pe$lhs, pe$op, pe$rhs, pe$group),
        paste(partable(fit)$lhs, partable(fit)$op, partable(fit)$rhs,
              partable(fit)$group))] > 0)
    ),
    fit = as.list(unclass(fm))
  )
  invisible(fit)
}

# ---------------------------------------------------------------- single group
add_case("cfa_hs_ml", "three-factor CFA, unweighted ML, expected information",
         "cfa", HS3, "holzinger_swineford", hs)
add_case("cfa_hs_mlr", "three-factor CFA, MLR (observed-information sandwich, Yuan-Bentler test)",
         "cfa", HS3, "holzinger_swineford", hs, estimator = "MLR")
add_case("cfa_hs_weighted", "sampling weights: weighted ML moments, robust SEs, scaled test",
         "cfa", HS3, "holzinger_swineford", hs, sampling.weights = "w")
add_case("cfa_hs_weighted_standard",
         "sampling weights with se = 'standard': expected information, scaled test still reported",
         "cfa", HS3, "holzinger_swineford", hs, sampling.weights = "w", se = "standard")
add_case("cfa_hs_cluster", "cluster-robust sandwich (robust.cluster), unweighted",
         "cfa", HS3, "holzinger_swineford", hs, cluster = "clus", estimator = "MLR")
add_case("cfa_hs_weighted_cluster",
         "weights and clusters together (equals design linearization with PSU = clus)",
         "cfa", HS3, "holzinger_swineford", hs, sampling.weights = "w", cluster = "clus")
add_case("sem_poldem_ml", "full SEM with equality labels, residual covariances, := effects",
         "sem", POLDEM, "political_democracy", pd)
add_case("sem_poldem_mlr", "the same SEM with MLR",
         "sem", POLDEM, "political_democracy", pd, estimator = "MLR")
add_case("sem_covariates_ml", "latent regressions on exogenous observed covariates (fixed.x)",
         "sem", COVARIATES, "holzinger_swineford", hs)
add_case("sem_covariates_weighted", "covariates with sampling weights",
         "sem", COVARIATES, "holzinger_swineford", hs, sampling.weights = "w")
add_case("path_mediation_ml", "observed path model with defined indirect and total effects",
         "sem", MEDIATION, "holzinger_swineford", hs)
add_case("path_mediation_weighted", "observed path model, sampling weights",
         "sem", MEDIATION, "holzinger_swineford", hs, sampling.weights = "w")
add_case("latent_chain_weighted", "latent chain with a covariate, weights and clusters",
         "sem", PATHS_LV, "holzinger_swineford", hs, sampling.weights = "w",
         cluster = "clus")
add_case("cfa_hs_meanstructure", "user-requested mean structure",
         "cfa", HS3, "holzinger_swineford", hs, meanstructure = TRUE)

add_case("cfa_free_marker", "first loading freed (NA*), factor variance fixed to 1, orthogonal pair",
         "cfa", "visual =~ NA*x1 + x2 + x3
visual ~~ 1*visual
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
visual ~~ 0*speed", "holzinger_swineford", hs)
add_case("cfa_swapped_cov", "covariances written against lavaan's order (textual ~~ visual, x9 ~~ x7)",
         "cfa", "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
textual ~~ visual
x9 ~~ x7", "holzinger_swineford", hs)
add_case("sem_single_indicator", "a factor with one indicator (auto.fix.single) in a latent path",
         "sem", "visual =~ x1 + x2 + x3
speed =~ x7
speed ~ visual + female", "holzinger_swineford", hs)
add_case("sem_second_order", "second-order factor",
         "cfa", "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
g =~ visual + textual + speed", "holzinger_swineford", hs)
add_case("sem_two_outcomes", "two latent outcomes of one factor (auto.cov.y) with a covariate",
         "sem", "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
textual ~ visual + age
speed ~ visual + age", "holzinger_swineford", hs, sampling.weights = "w")
add_case("path_random_x", "covariance among predictors written by the user (not fixed.x)",
         "sem", "x5 ~ x1 + female
x1 ~~ female", "holzinger_swineford", hs)
add_case("cfa_latent_means", "user intercepts: a fixed item intercept and a free latent mean",
         "cfa", "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
x1 ~ 0*1
x4 ~ 0*1
visual ~ 1
textual ~ 1", "holzinger_swineford", hs)

# ---------------------------------------------------------------- multiple groups
add_case("mg_labels", "group-specific and shared labels with a defined difference",
         "cfa", "visual =~ x1 + c(a1, a2)*x2 + c(b, b)*x3
textual =~ x4 + x5 + x6
diff := a1 - a2", "holzinger_swineford", hs, group = "school")
add_case("mg_weighted", "two groups with sampling weights",
         "cfa", HS3, "holzinger_swineford", hs, group = "school", sampling.weights = "w",
         group.equal = "loadings")
add_case("mg_configural_ml", "two groups (school), configural", "cfa", HS3,
         "holzinger_swineford", hs, group = "school")
add_case("mg_metric_ml", "two groups, equal loadings", "cfa", HS3,
         "holzinger_swineford", hs, group = "school", group.equal = "loadings")
add_case("mg_scalar_ml", "two groups, equal loadings and intercepts", "cfa", HS3,
         "holzinger_swineford", hs, group = "school",
         group.equal = c("loadings", "intercepts"))
add_case("mg_strict_ml", "two groups, equal loadings, intercepts and residual variances",
         "cfa", HS3, "holzinger_swineford", hs, group = "school",
         group.equal = c("loadings", "intercepts", "residuals"))
add_case("mg_regressions_mlr", "two groups, latent regressions and lv variances held equal",
         "sem", COVARIATES, "holzinger_swineford", hs, group = "school",
         group.equal = c("loadings", "regressions", "lv.variances"), estimator = "MLR")
add_case("mg_configural_mlr", "configural, MLR", "cfa", HS3,
         "holzinger_swineford", hs, group = "school", estimator = "MLR")
add_case("mg_metric_mlr", "metric, MLR", "cfa", HS3,
         "holzinger_swineford", hs, group = "school", group.equal = "loadings",
         estimator = "MLR")
add_case("mg_scalar_mlr", "scalar, MLR", "cfa", HS3,
         "holzinger_swineford", hs, group = "school",
         group.equal = c("loadings", "intercepts"), estimator = "MLR")

# scaled chi-square difference tests between the nested MLR fits (lavTestLRT default
# for a scaled test: Satorra-Bentler 2001)
f_c <- cfa(HS3, hs, group = "school", estimator = "MLR")
f_m <- cfa(HS3, hs, group = "school", group.equal = "loadings", estimator = "MLR")
f_s <- cfa(HS3, hs, group = "school", group.equal = c("loadings", "intercepts"),
           estimator = "MLR")
lrt <- lavTestLRT(f_c, f_m, f_s)
lrt_ml <- lavTestLRT(cfa(HS3, hs, group = "school"),
                     cfa(HS3, hs, group = "school", group.equal = "loadings"),
                     cfa(HS3, hs, group = "school", group.equal = c("loadings", "intercepts")))
invariance <- list(
  mlr = list(r_call = "lavTestLRT(configural, metric, scalar) with estimator = 'MLR'",
             chisq_diff = unname(lrt[["Chisq diff"]]), df_diff = unname(lrt[["Df diff"]]),
             p_value = unname(lrt[["Pr(>Chisq)"]])),
  ml = list(r_call = "lavTestLRT(configural, metric, scalar) with estimator = 'ML'",
            chisq_diff = unname(lrt_ml[["Chisq diff"]]), df_diff = unname(lrt_ml[["Df diff"]]),
            p_value = unname(lrt_ml[["Pr(>Chisq)"]]))
)

# reliability of x1..x3 and x4..x6: alpha and alpha-if-deleted from the (weighted) ML
# covariance (both are free of the divisor), item-rest correlations, omega total from
# the lavaan one-factor fit: (sum lambda)^2 psi / ((sum lambda)^2 psi + sum theta)
reliability_case <- function(items, weights = NULL) {
  x <- hs[, items]
  wt <- if (is.null(weights)) rep(1, nrow(x)) else hs[[weights]]
  S <- cov.wt(x, wt = wt, method = "ML")$cov
  alpha_of <- function(S) { k <- ncol(S); k / (k - 1) * (1 - sum(diag(S)) / sum(S)) }
  item_rest <- sapply(seq_along(items), function(j)
    sum(S[j, -j]) / sqrt(S[j, j] * sum(S[-j, -j])))
  if_deleted <- sapply(seq_along(items), function(j) alpha_of(S[-j, -j, drop = FALSE]))
  model <- paste("f =~", paste(items, collapse = " + "))
  fit <- if (is.null(weights)) cfa(model, hs) else cfa(model, hs, sampling.weights = weights)
  pe <- parameterEstimates(fit)
  lam <- pe$est[pe$op == "=~"]
  theta <- pe$est[pe$op == "~~" & pe$lhs %in% items & pe$lhs == pe$rhs]
  psi <- pe$est[pe$op == "~~" & pe$lhs == "f"]
  list(items = items, weights = weights, alpha = alpha_of(S),
       omega = sum(lam)^2 * psi / (sum(lam)^2 * psi + sum(theta)),
       item_rest = item_rest, alpha_if_deleted = if_deleted)
}
reliability <- list(
  visual = reliability_case(c("x1", "x2", "x3")),
  textual_weighted = reliability_case(c("x4", "x5", "x6"), "w"),
  speed_four = reliability_case(c("x7", "x8", "x9", "x1"))
)

# delete-one-cluster jackknife (JK1) of the weighted CFA, every replicate refitted by
# lavaan: replicate weights w * n/(n-1) outside the deleted cluster, zero inside;
# var = (n-1)/n sum (theta_r - mean)^2 (R survey's JK1 with mse = FALSE)
jackknife <- local({
  clusters <- sort(unique(hs$clus))
  n <- length(clusters)
  draws <- t(sapply(clusters, function(cl) {
    d <- hs
    d$wr <- ifelse(d$clus == cl, 0, d$w * n / (n - 1))
    coef(cfa(HS3, d[d$wr > 0, ], sampling.weights = "wr"))
  }))
  full <- coef(cfa(HS3, hs, sampling.weights = "w"))
  list(r_call = paste("for every cluster: cfa(model, data without it, sampling.weights =",
                      "w * n/(n-1)); se = sqrt((n-1)/n * sum((theta_r - mean)^2))"),
       model = HS3, names = names(full), estimate = unname(full),
       se = unname(sqrt((n - 1) / n * colSums(sweep(draws, 2, colMeans(draws))^2))))
})

out <- list(
  generator = "tests/reference/generate_sem.R",
  versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))),
  cases = cases,
  invariance = invariance,
  reliability = reliability,
  jackknife = jackknife
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", na = "null",
                  pretty = TRUE),
           file.path(out_dir, "sem_cases.json"))
