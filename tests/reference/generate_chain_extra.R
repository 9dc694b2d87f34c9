# Generate tests/reference/chain_cases_extra.json and data/chain_extra.csv:
# serial-mediation path models fitted with lavaan 0.6-14 for the divide chain's
# reference tests -- other numbers of mediators (k = 1..4), no covariates, a
# categorical covariate (dummy-coded by hand), a continuous exposure, sampling
# weights, and the se/estimator options lavaan users pick.
#
# Versions: R 4.2.2 (Debian bookworm r-base-core 4.2.2.20221110-2),
# lavaan 0.6-14 (r-cran-lavaan 0.6.14-1), jsonlite.
# Run from tests/reference/:   Rscript generate_chain_extra.R
#
# Every case stores its own model (lavaan syntax, equations, labels, defined
# effects) in the same schema as chain_cases.json, plus the exact sem() call.

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})
stopifnot(as.character(packageVersion("lavaan")) == "0.6.14")

# ---------------------------------------------------------------- data
SIM_CODE <- '
set.seed(20261129)
n <- 1000
rural <- rbinom(n, 1, 0.45)
age <- round(runif(n, 18, 80))
edu <- pmin(pmax(round(rnorm(n, 11 - 2 * rural, 3)), 0), 20)
occ <- sample(c("farmer", "worker", "clerk"), n, replace = TRUE, prob = c(0.4, 0.35, 0.25))
occ_farmer <- as.integer(occ == "farmer")
occ_worker <- as.integer(occ == "worker")
agec <- (age - 45) / 10
educ <- (edu - 11) / 3
# continuous exposure: distance to the county seat (10 km), longer for rural residents
dist <- round(rgamma(n, shape = 2 + 2 * rural, scale = 0.8), 4)
noise <- function() rnorm(n)
m1 <- round(0.3 - 0.45*rural - 0.10*dist + 0.10*agec + 0.30*educ - 0.20*occ_farmer + noise(), 6)
m2 <- round(0.1 - 0.20*rural - 0.05*dist + 0.40*m1 + 0.05*agec + 0.10*educ + 0.10*occ_worker + noise(), 6)
m3 <- round(0.0 - 0.10*rural - 0.04*dist + 0.20*m1 + 0.35*m2 - 0.05*agec + 0.10*educ + noise(), 6)
m4 <- round(0.2 - 0.15*rural - 0.06*dist + 0.10*m1 + 0.15*m2 + 0.30*m3 + 0.05*educ + noise(), 6)
y  <- round(0.5 - 0.15*rural - 0.05*dist + 0.20*m1 + 0.15*m2 + 0.25*m3 + 0.20*m4 + 0.08*agec +
            0.10*educ - 0.15*occ_farmer + noise(), 6)
w <- round(runif(n, 0.4, 2.5) * ifelse(rural == 1, 1.3, 1), 6)
# m2 with 6% of its values missing completely at random (written as empty fields)
m2_obs <- ifelse(runif(n) < 0.06, NA, m2)
# two further mediators for the k = 5 and k = 6 chains (drawn last, so the columns
# above do not depend on them)
m5 <- round(0.1 - 0.10*rural - 0.03*dist + 0.10*m2 + 0.25*m4 + 0.05*educ + noise(), 6)
m6 <- round(0.0 - 0.05*rural + 0.10*m1 + 0.20*m5 + 0.05*agec + noise(), 6)
chain_extra <- data.frame(id = 1:n, rural, dist, age, edu, occ, occ_farmer, occ_worker,
                          m1, m2, m3, m4, y, w, m2_obs, m5, m6)
'
eval(parse(text = SIM_CODE))
write.csv(chain_extra, "data/chain_extra.csv", row.names = FALSE, na = "")
# Fit on the file as read back, so the tests read exactly the data lavaan saw; the
# simulated values are rounded, so the file holds them exactly.
d <- read.csv("data/chain_extra.csv")
for (v in names(d)[sapply(d, is.numeric)]) {
  stopifnot(identical(is.na(d[[v]]), is.na(chain_extra[[v]])))
  stopifnot(max(abs(d[[v]] - chain_extra[[v]]), na.rm = TRUE) < 1e-12)
}

# ---------------------------------------------------------------- numbers
fmt_num <- function(v) {
  if (is.na(v)) return(structure("null", class = "json"))
  if (is.infinite(v)) stop("infinite value")
  for (digits in 15:17) {
    s <- sprintf(paste0("%.", digits, "g"), v)
    if (as.numeric(s) == v) break
  }
  structure(s, class = "json")
}
num <- function(v) fmt_num(unname(v))
num_map <- function(v, names_) setNames(lapply(unname(v), fmt_num), names_)

# ---------------------------------------------------------------- model builder
subsets <- function(k) {
  out <- list()
  for (size in seq_len(k)) {
    cmb <- combn(k, size, simplify = FALSE)
    out <- c(out, cmb)
  }
  out
}

build_model <- function(x, mediators, outcome, covariates) {
  k <- length(mediators)
  eq_names <- c(mediators, outcome)
  lines <- character(0)
  equations <- list()
  labels_eq <- list()
  path_labels <- list()
  for (j in seq_len(k + 1)) {
    lhs <- eq_names[j]
    is_y <- j == k + 1
    preds <- x
    labs <- if (is_y) "cp" else paste0("a", j)
    path_labels[[labs]] <- paste0(x, " -> ", lhs, if (is_y) " (direct)" else "")
    for (l in seq_len(j - 1)) {
      preds <- c(preds, mediators[l])
      lab <- if (is_y) paste0("b", l) else paste0("d", j, l)
      labs <- c(labs, lab)
      path_labels[[lab]] <- paste0(mediators[l], " -> ", lhs)
    }
    for (cv in covariates) {
      preds <- c(preds, cv)
      labs <- c(labs, paste0("g", j, "_", cv))
    }
    lines <- c(lines, paste0(lhs, " ~ ", paste0(labs, "*", preds, collapse = " + ")))
    equations[[lhs]] <- preds
    labels_eq[[lhs]] <- labs
  }
  # every specific indirect effect, by length then lexicographically
  defs <- list()
  meaning <- list()
  for (s in subsets(k)) {
    name <- paste0("ind_x_", paste0("m", s, collapse = "_"), "_y")
    terms <- paste0("a", s[1])
    if (length(s) > 1) for (i in 2:length(s)) terms <- c(terms, paste0("d", s[i], s[i - 1]))
    terms <- c(terms, paste0("b", s[length(s)]))
    defs[[name]] <- paste(terms, collapse = "*")
    meaning[[name]] <- paste0("X -> ", paste0("M", s, collapse = " -> "), " -> Y = ",
                              defs[[name]])
  }
  specific <- paste(unlist(defs), collapse = " + ")
  defs[["total_indirect"]] <- specific
  meaning[["total_indirect"]] <- sprintf("sum of the %d specific indirect effects", length(subsets(k)))
  defs[["direct"]] <- "cp"
  meaning[["direct"]] <- "cp (X -> Y)"
  defs[["total"]] <- paste("cp +", specific)
  meaning[["total"]] <- "direct + total_indirect"
  syntax <- paste0("\n  ", paste(lines, collapse = "\n  "), "\n\n",
                   paste0("  ", names(defs), " := ", unlist(defs), collapse = "\n"), "\n")
  list(
    lavaan_syntax = syntax,
    path_labels = path_labels,
    equations = lapply(equations, as.list),
    equation_labels = labels_eq,
    defined_effects = meaning
  )
}

# ---------------------------------------------------------------- one case
run_case <- function(case_id, description, x, mediators, outcome, covariates, options,
                     factor_covariates = NULL, seed = NULL) {
  model <- build_model(x, mediators, outcome, covariates)
  CHAIN_MODEL <- model$lavaan_syntax
  r_call <- paste0(if (!is.null(seed)) sprintf("set.seed(%d); ", seed) else "",
                   "sem(CHAIN_MODEL, data = d",
                   if (nchar(options)) paste0(", ", options) else "", ")")
  fit <- eval(parse(text = r_call))
  stopifnot(lavInspect(fit, "converged"))
  opts <- lavInspect(fit, "options")
  pe <- parameterEstimates(fit)
  path_labs <- names(model$path_labels)
  idx <- match(path_labs, pe$label)
  vc <- vcov(fit)
  pv <- vc[path_labs, path_labs, drop = FALSE]
  def <- pe[pe$op == ":=", ]
  eqs <- list()
  for (lhs in names(model$equations)) {
    preds <- unlist(model$equations[[lhs]])
    labs <- model$equation_labels[[lhs]]
    rows <- match(labs, pe$label)
    eqs[[lhs]] <- list(
      outcome = lhs,
      predictors = as.list(preds),
      labels = as.list(labs),
      estimate = num_map(pe$est[rows], preds),
      se = num_map(pe$se[rows], preds),
      z = num_map(pe$z[rows], preds),
      pvalue = num_map(pe$pvalue[rows], preds)
    )
  }
  other <- pe[pe$op == "~~", ]
  other_list <- lapply(seq_len(nrow(other)), function(i) list(
    lhs = other$lhs[i], op = other$op[i], rhs = other$rhs[i],
    est = num(other$est[i]), se = num(other$se[i])))
  # per-equation (weighted) least squares, the closed form of lavaan's estimates
  # on lavaan's listwise-complete rows
  dd <- d[complete.cases(d[unique(c(x, mediators, outcome, covariates))]), ]
  stopifnot(nrow(dd) == lavInspect(fit, "nobs"))
  wcol <- if (grepl("sampling.weights", r_call)) dd$w else NULL
  ls_diff <- 0
  for (lhs in names(model$equations)) {
    preds <- unlist(model$equations[[lhs]])
    f <- lm(reformulate(preds, lhs), data = dd, weights = wcol)
    labs <- model$equation_labels[[lhs]]
    ls_diff <- max(ls_diff, abs(coef(f)[preds] - pe$est[match(labs, pe$label)]))
  }
  model$equation_labels <- NULL
  list(
    case_id = case_id,
    description = description,
    model = model,
    factor_covariates = factor_covariates,
    fit = list(
      r_call = r_call,
      lavaan_options_in_effect = list(
        estimator = opts$estimator, se = opts$se, test = as.list(opts$test),
        information = as.list(opts$information),
        observed.information = as.list(opts$observed.information),
        h1.information = as.list(opts$h1.information),
        meanstructure = opts$meanstructure, fixed.x = opts$fixed.x,
        likelihood = opts$likelihood,
        sampling.weights.normalization = opts$sampling.weights.normalization,
        missing = opts$missing, bootstrap = opts$bootstrap
      ),
      nobs = lavInspect(fit, "nobs"),
      converged = lavInspect(fit, "converged"),
      path_estimates = num_map(pe$est[idx], path_labs),
      path_se = num_map(pe$se[idx], path_labs),
      path_vcov = list(
        rownames = as.list(path_labs), colnames = as.list(path_labs),
        data = lapply(seq_len(nrow(pv)), function(i) lapply(unname(pv[i, ]), fmt_num))
      ),
      path_vcov_note = sprintf(
        "lavaan vcov of the %d labelled structural paths (includes cross-equation covariances)",
        length(path_labs)),
      defined = list(
        estimate = num_map(def$est, def$lhs),
        se = num_map(def$se, def$lhs),
        z = num_map(def$z, def$lhs),
        pvalue = num_map(def$pvalue, def$lhs),
        meaning = model$defined_effects,
        se_method = "lavaan delta method on the vcov of the model parameters"
      ),
      equations = eqs,
      other_parameters = other_list
    ),
    checks = list(
      per_equation_ls_max_abs_diff = num(ls_diff),
      per_equation_ls_note = paste(
        "max |lavaan estimate - lm estimate| over all equations (lm with weights = w when",
        "the fit has sampling weights)")
    )
  )
}

occ_factor <- list(occ = list(reference = "clerk",
                              dummies = list(occ_farmer = "farmer", occ_worker = "worker")))
M <- c("m1", "m2", "m3", "m4")
cases <- list(
  run_case("E-k1-unweighted-standard",
           "k = 1 (simple mediation), covariate age, unweighted ML, se = 'standard'",
           "rural", M[1], "y", "age", "se = 'standard'"),
  run_case("E-k2-unweighted-robust",
           "k = 2, covariates age and edu, unweighted ML, se = 'robust.huber.white'",
           "rural", M[1:2], "y", c("age", "edu"), "se = 'robust.huber.white'"),
  run_case("E-k3-nocov-standard",
           "k = 3 without covariates, unweighted ML, default (standard) SEs",
           "rural", M[1:3], "y", character(0), ""),
  run_case("E-k4-factor-weighted",
           paste("k = 4, categorical covariate occ (reference 'clerk', dummies by hand) and age,",
                 "sampling.weights = 'w' (robust.huber.white by default)"),
           "rural", M, "y", c("occ_farmer", "occ_worker", "age"), "sampling.weights = 'w'",
           occ_factor),
  run_case("E-k2-contx-MLR",
           "k = 2, continuous x (dist), covariate edu, unweighted, estimator = 'MLR'",
           "dist", M[1:2], "y", "edu", "estimator = 'MLR'"),
  run_case("E-k3-contx-weighted-MLR",
           "k = 3, continuous x (dist), covariates age and occ dummies, weighted, estimator = 'MLR'",
           "dist", M[1:3], "y", c("age", "occ_farmer", "occ_worker"),
           "sampling.weights = 'w', estimator = 'MLR'", occ_factor),
  run_case("E-k1-weighted-standard",
           "k = 1, covariate edu, sampling.weights = 'w' with se = 'standard' (model-based)",
           "rural", M[1], "y", "edu", "sampling.weights = 'w', se = 'standard'"),
  run_case("E-k2-observed-information",
           "k = 2, covariate age, se = 'standard' with information = 'observed'",
           "rural", M[1:2], "y", "age", "se = 'standard', information = 'observed'"),
  run_case("E-k2-GLS",
           "k = 2, covariates age and edu, estimator = 'GLS'",
           "rural", M[1:2], "y", c("age", "edu"), "estimator = 'GLS'"),
  run_case("E-k3-wishart-robust",
           "k = 3, covariate edu, likelihood = 'wishart' with se = 'robust.huber.white'",
           "rural", M[1:3], "y", "edu", "likelihood = 'wishart', se = 'robust.huber.white'"),
  run_case("E-k2-MLM",
           "k = 2, covariate age, estimator = 'MLM' (se = 'robust.sem')",
           "rural", M[1:2], "y", "age", "estimator = 'MLM'"),
  run_case("E-k3-first-order",
           "k = 3, covariates age and edu, se = 'first.order' (outer product of the scores)",
           "rural", M[1:3], "y", c("age", "edu"), "se = 'first.order'"),
  run_case("E-k2-WLS",
           "k = 2, covariate edu, estimator = 'WLS' (ADF)",
           "rural", M[1:2], "y", "edu", "estimator = 'WLS'"),
  run_case("E-k2-bootstrap",
           paste("k = 2, covariate age, se = 'bootstrap' with 1000 ordinary (row) bootstrap",
                 "draws; R's RNG seeded in the call"),
           "rural", M[1:2], "y", "age", "se = 'bootstrap', bootstrap = 1000",
           seed = 20261130),
  run_case("E-k2-missing-listwise",
           paste("k = 2 with mediator m2_obs missing for 6% of rows (MCAR), covariate edu,",
                 "lavaan's default missing = 'listwise', se = 'robust.huber.white'"),
           "rural", c("m1", "m2_obs"), "y", "edu", "se = 'robust.huber.white'"),
  run_case("E-k5-weighted-MLR",
           "k = 5 (31 specific effects), covariates edu and occ dummies, weighted, estimator = 'MLR'",
           "rural", c(M, "m5"), "y", c("edu", "occ_farmer", "occ_worker"),
           "sampling.weights = 'w', estimator = 'MLR'", occ_factor),
  run_case("E-k6-standard",
           "k = 6 (63 specific effects, the most govstats fits), covariate age, se = 'standard'",
           "dist", c(M, "m5", "m6"), "y", "age", "se = 'standard'"),
  run_case("E-k2-fixedx-false-robust",
           "k = 2, covariate age, fixed.x = FALSE (x variances free), se = 'robust.huber.white'",
           "rural", M[1:2], "y", "age", "fixed.x = FALSE, se = 'robust.huber.white'"),
  run_case("E-k3-MLMV",
           "k = 3, covariate edu, estimator = 'MLMV' (robust.sem SEs)",
           "rural", M[1:3], "y", "edu", "estimator = 'MLMV'"),
  run_case("E-k2-conditional-x",
           "k = 2, covariates age and edu, conditional.x = TRUE",
           "rural", M[1:2], "y", c("age", "edu"), "conditional.x = TRUE"),
  run_case("E-k2-weighted-expected-information",
           "k = 2, covariate age, weighted MLR with information = 'expected'",
           "dist", M[1:2], "y", "age",
           "estimator = 'MLR', sampling.weights = 'w', information = 'expected'"),
  run_case("E-k2-GLS-observed",
           "k = 2, covariate age, estimator = 'GLS' with information = 'observed'",
           "rural", M[1:2], "y", "age", "estimator = 'GLS', information = 'observed'"),
  run_case("E-k2-weights-unnormalised-standard",
           paste("k = 2, covariate age, sampling.weights = 'w' with",
                 "sampling.weights.normalization = 'none' and se = 'standard'"),
           "rural", M[1:2], "y", "age",
           "sampling.weights = 'w', sampling.weights.normalization = 'none', se = 'standard'"),
  run_case("E-k2-meanstructure-robust",
           "k = 2, covariate edu, meanstructure = TRUE (intercepts estimated iteratively), robust SEs",
           "rural", M[1:2], "y", "edu", "meanstructure = TRUE, se = 'robust.huber.white'")
)

doc <- list(
  title = paste("govstats reference: serial (chain) mediation with k = 1..4 mediators,",
                "lavaan path models under several se/estimator options"),
  provenance = list(
    generated_by = "tests/reference/generate_chain_extra.R (Rscript generate_chain_extra.R)",
    generated_at_utc = format(Sys.time(), "%Y-%m-%d %H:%M:%S UTC", tz = "UTC"),
    r_version = R.version$version.string,
    lavaan_version = as.character(packageVersion("lavaan")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    debian_packages = "r-base-core 4.2.2.20221110-2, r-cran-lavaan 0.6.14-1 (Debian bookworm)",
    number_format = paste("doubles written with the shortest of 15/16/17 significant digits",
                          "that round-trips exactly")
  ),
  data = list(
    file = "shared/reference/data/chain_extra.csv",
    n = nrow(d),
    columns = list(
      id = "row id",
      rural = "binary exposure: 1 = rural (Bernoulli 0.45)",
      dist = "continuous exposure: distance to the county seat (10 km), Gamma",
      age = "covariate, years (integer)",
      edu = "covariate, years of schooling (integer, 0-20)",
      occ = "categorical covariate: farmer / worker / clerk",
      occ_farmer = "dummy occ == 'farmer' (reference level 'clerk')",
      occ_worker = "dummy occ == 'worker' (reference level 'clerk')",
      m1 = "M1: information access", m2 = "M2: participation", m3 = "M3: expression",
      m4 = "M4: responsiveness", y = "Y: service (outcome)",
      m2_obs = "m2 with 6% of values missing completely at random (empty fields)",
      m5 = "M5 (k = 5, 6 chains; drawn after y)", m6 = "M6 (k = 6 chain; drawn after y)",
      w = "sampling weight, Uniform(0.4, 2.5), 1.3 times larger for rural rows"
    ),
    simulation_r_code = SIM_CODE
  ),
  model_note = paste(
    "each case carries its own model (same fields as chain_cases.json's top-level model):",
    "labels a<j> x -> Mj, d<jl> Ml -> Mj, b<j> Mj -> Y, cp x -> Y, g<equation>_<covariate>;",
    "recursive saturated path models, residuals uncorrelated, fixed.x = TRUE.",
    "factor_covariates, when present, maps hand-made dummy columns to the levels of the",
    "categorical column they code."),
  cases = cases
)

writeLines(toJSON(doc, auto_unbox = TRUE, json_verbatim = TRUE, pretty = TRUE, null = "null"),
           "chain_cases_extra.json")
cat("wrote chain_cases_extra.json with", length(cases), "cases\n")
