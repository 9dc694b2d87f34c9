"""Degrees of freedom of large bootstrap designs, from their structure, equal R's rank rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import govstats as gs


@pytest.mark.parametrize(
    ("n_strata", "psu_per_stratum", "n_replicates"),
    [(50, 10, 600), (100, 5, 800), (2, 300, 700), (20, 30, 450)],
)
def test_bootstrap_df_equals_rank_of_replicate_factors(
    n_strata: int, psu_per_stratum: int, n_replicates: int
) -> None:
    n = n_strata * psu_per_stratum
    frame = pd.DataFrame(
        {"stratum": np.repeat(np.arange(n_strata), psu_per_stratum), "psu": np.arange(n)}
    )
    design = gs.SurveyDesign(frame, strata="stratum", psu="psu")
    replicates = design.to_replicates("bootstrap", replicates=n_replicates, seed=3).replicates
    assert replicates is not None
    assert replicates.psu_factors is not None
    assert replicates.df == np.linalg.matrix_rank(replicates.psu_factors) - 1
