"""The divide chain among latent constructs: serial mediation fitted as one SEM."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from govstats.design.inference import SeedLike, check_replicates
from govstats.design.survey_design import SurveyDesign
from govstats.errors import GovstatsError, ModelError
from govstats.sem.results import SEMResult
from govstats.sem.sem_fit import fit

__all__ = ["LatentChainResult", "latent_chain"]

_SEPARATOR = " -> "


def _ordered_subsets(k: int) -> list[tuple[int, ...]]:
    # every ordered subset of the mediators, by length then lexicographically: the
    # order of the observed-score chain's effect table
    return [c for size in range(1, k + 1) for c in combinations(range(k), size)]


@dataclass(frozen=True, eq=False)
class LatentChainResult:
    """Paths and effects of the latent divide chain.

    Attributes
    ----------
    paths : pandas.DataFrame
        Index ``variable`` (``"equation ~ term"``); columns ``estimate, se, ci_low,
        ci_high``.
    effects : pandas.DataFrame
        Index ``effect``: every specific indirect effect (``"x -> M1 -> Y"``),
        ``indirect_total``, ``direct``, ``total``, ``proportion_mediated``.
    sem : SEMResult
        The underlying SEM fit (loadings, fit measures).
    df : float
    conf_level : float
    method : str
    seed : int or None
    """

    paths: pd.DataFrame
    effects: pd.DataFrame
    sem: SEMResult = field(repr=False)
    df: float
    conf_level: float
    method: str
    seed: int | None = None

    @property
    def estimate(self) -> np.ndarray:
        """Effect estimates in the order of :attr:`effects`."""
        return np.asarray(self.effects["estimate"].to_numpy())

    @property
    def se(self) -> np.ndarray:
        """Standard errors of the effects."""
        return np.asarray(self.effects["se"].to_numpy())

    @property
    def replicate_estimates(self) -> np.ndarray | None:
        """Replicate draws of the effects (R, n_effects), or None for linearization."""
        draws = self.sem.replicate_estimates
        if draws is None:
            return None
        return np.asarray(draws[:, -len(self.effects) :])

    def to_frame(self) -> pd.DataFrame:
        """Columns ``kind`` (path / effect), ``variable``, ``estimate, se, ci_low, ci_high, df``."""
        paths = self.paths.reset_index()
        paths.insert(0, "kind", "path")
        effects = self.effects.reset_index().rename(columns={"effect": "variable"})
        effects.insert(0, "kind", "effect")
        out = pd.concat([paths, effects], ignore_index=True)
        out["df"] = self.df
        return out

    def summary(self) -> str:
        """Text summary of the effects and the measurement model's fit."""
        fm = self.sem.fit
        head = (
            f"Latent divide chain ({self.method}); CFI = {fm['cfi']:.3f}, "
            f"RMSEA = {fm['rmsea']:.3f}, SRMR = {fm['srmr']:.3f}"
        )
        if self.seed is not None:
            head += f"; seed = {self.seed}"
        return head + "\n" + self.effects.to_string(float_format=lambda v: f"{v:.4f}")

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False))

    def __repr__(self) -> str:
        return f"LatentChainResult(effects={len(self.effects)}, method={self.method!r})"


def chain_syntax(
    x: str,
    mediators: Sequence[str],
    outcome: str,
    measurement: Mapping[str, Sequence[str]],
    covariates: Sequence[str] = (),
) -> tuple[str, list[str], list[tuple[str, str]]]:
    """Write the latent chain as lavaan syntax.

    Returns the syntax, the effect names (chain order) and the ``(equation, term)``
    of every structural path.

    Examples
    --------
    >>> text, names, _ = chain_syntax("r", ["m"], "y", {"m": ["a", "b", "c"]})
    >>> print(text.splitlines()[0])
    m =~ a + b + c
    >>> names[0]
    'r -> m -> y'
    """
    chain = [x, *mediators, outcome]
    lines = [f"{name} =~ {' + '.join(items)}" for name, items in measurement.items()]
    paths: list[tuple[str, str]] = []
    for j in range(1, len(chain)):
        terms = [f"b_{j}_{i}*{chain[i]}" for i in range(j)]
        terms += list(covariates)
        lines.append(f"{chain[j]} ~ {' + '.join(terms)}")
        paths.extend((chain[j], chain[i]) for i in range(j))
        paths.extend((chain[j], c) for c in covariates)
    k = len(mediators)
    names: list[str] = []
    definitions: list[str] = []
    for n, subset in enumerate(_ordered_subsets(k)):
        nodes = [0, *(s + 1 for s in subset), k + 1]
        product = "*".join(f"b_{nodes[t + 1]}_{nodes[t]}" for t in range(len(nodes) - 1))
        definitions.append(f"ind_{n} := {product}")
        names.append(_SEPARATOR.join(chain[i] for i in nodes))
    n_specific = len(definitions)
    definitions.append(f"indirect_total := {' + '.join(f'ind_{n}' for n in range(n_specific))}")
    definitions.append(f"direct := b_{k + 1}_0")
    definitions.append("total := indirect_total + direct")
    definitions.append("proportion_mediated := indirect_total / total")
    names += ["indirect_total", "direct", "total", "proportion_mediated"]
    return "\n".join(lines + definitions), names, paths


def latent_chain(
    data: SurveyDesign | pd.DataFrame,
    *,
    x: str,
    mediators: Sequence[str],
    outcome: str,
    measurement: Mapping[str, Sequence[str]],
    covariates: Sequence[str] = (),
    inference: str = "linearization",
    replicates: int = 1000,
    seed: SeedLike = None,
    level: float = 0.95,
    na_rm: bool = False,
) -> LatentChainResult:
    """Fit the divide chain among latent constructs and decompose the gap.

    Constructs named in ``measurement`` are latent variables measured by their
    items (first loading fixed to 1, so the construct is on its first item's
    scale); the others are observed columns. Every forward path is estimated
    (``Mj ~ x + M1..M(j-1) + C``, ``Y ~ x + M1..Mk + C``) in one SEM, and the
    effect table is that of the observed-score chain: every specific indirect
    effect (product of its paths), the total indirect, direct and total effects
    and the proportion mediated.

    Parameters
    ----------
    data : SurveyDesign or DataFrame
        A DataFrame is a simple random sample.
    x : str
        Exposure (e.g. ``"rural"``), observed.
    mediators : sequence of str
        Ordered mediators (latent when in ``measurement``).
    outcome : str
    measurement : mapping of str to sequence of str
        ``{"info_access": ["i1", "i2", "i3"], ...}``.
    covariates : sequence of str
        Observed covariates of every equation (fixed exogenous, as lavaan).
    inference : {"linearization", "replicate", "bootstrap"}
        Delta method on the design-based sandwich, or refits under the design's
        replicate weights (a Rao-Wu bootstrap with ``replicates`` draws is made
        when the design has none; ``"bootstrap"`` says the same).
    replicates : int, default 1000
    seed : int, Generator or None
        Seed of the bootstrap replicates (recorded in ``result.seed``).
    level : float, default 0.95
    na_rm : bool, default False

    Returns
    -------
    LatentChainResult

    Notes
    -----
    The measurement model removes item error from the paths: with reliabilities
    below one the observed-score chain attenuates the mediators' paths and moves
    effect from the indirect to the direct part.

    References
    ----------
    Hayes (2018), Model 6. R: ``lavaan::sem(model, data, sampling.weights = ...)``
    with ``:=`` products; Stata ``svy: sem``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> rng = np.random.default_rng(3)
    >>> n = 600
    >>> x = rng.integers(0, 2, n)
    >>> m = -0.5 * x + rng.normal(size=n)
    >>> y = 0.4 * m - 0.2 * x + rng.normal(size=n)
    >>> df = pd.DataFrame({"x": x, "y": y, "psu": np.arange(n) // 10,
    ...                    **{f"m{j}": m + rng.normal(0, 0.5, n) for j in range(3)}})
    >>> res = latent_chain(SurveyDesign(df, psu="psu"), x="x", mediators=["m"],
    ...                    outcome="y", measurement={"m": ["m0", "m1", "m2"]})
    >>> res.effects.index[0]
    'x -> m -> y'
    """
    if not mediators:
        raise ModelError("mediators must name at least one mediator.")
    for name in measurement:
        if name not in (*mediators, outcome, x):
            raise ModelError(
                f"measurement names {name!r}, which is not x, a mediator or the outcome."
            )
    if x in measurement:
        raise ModelError(f"x={x!r} must be an observed column, not a latent construct.")
    design = SurveyDesign(data) if isinstance(data, pd.DataFrame) else data
    if not isinstance(design, SurveyDesign):
        raise GovstatsError(
            "latent_chain needs a SurveyDesign or a DataFrame (a simple random sample)."
        )
    if inference in ("replicate", "bootstrap"):
        if design.replicates is None:
            design = design.to_replicates("bootstrap", check_replicates(replicates), seed=seed)
        se = "replicate"
    elif inference == "linearization":
        se = "design"
    else:
        raise GovstatsError(
            f"inference={inference!r} is not known: use 'linearization' or 'replicate' "
            f"('bootstrap': replicate with Rao-Wu bootstrap weights)."
        )
    syntax, names, paths = chain_syntax(x, mediators, outcome, measurement, covariates)
    result = fit(syntax, design, se=se, level=level, na_rm=na_rm)
    table = result.to_frame()
    columns = ["estimate", "se", "ci_low", "ci_high"]
    regress = table[table["op"] == "~"].set_index(["lhs", "rhs"])
    path_frame = pd.DataFrame(
        [regress.loc[(eq, term), columns].to_numpy(dtype=float) for eq, term in paths],
        columns=columns,
        index=pd.Index([f"{eq} ~ {term}" for eq, term in paths], name="variable"),
    )
    defined = table[table["op"] == ":="]
    keep = [n for n in defined["lhs"] if n.startswith("ind_")] + [
        "indirect_total", "direct", "total", "proportion_mediated",
    ]  # fmt: skip
    effects = defined.set_index("lhs").loc[keep, columns]
    effects.index = pd.Index(names, name="effect")
    return LatentChainResult(
        paths=path_frame,
        effects=effects,
        sem=result,
        df=result.df,
        conf_level=result.conf_level,
        method=result.method,
        seed=result.seed,
    )
