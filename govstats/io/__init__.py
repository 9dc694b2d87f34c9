"""Reading survey files (.dta, .sav, .csv, .parquet) through TOML codebooks, and writing them.

Examples
--------
>>> from govstats.io import load_codebook, shipped_codebook
>>> load_codebook(shipped_codebook("simulated")).survey
'govstats simulated survey'
"""

from govstats.io.codebook import (
    Codebook,
    DesignSpec,
    ScaleSpec,
    VariableSpec,
    load_codebook,
    shipped_codebook,
    shipped_codebooks,
)
from govstats.io.read_survey import SurveyData, read_survey
from govstats.io.write_survey import write_survey

__all__ = [
    "Codebook",
    "DesignSpec",
    "ScaleSpec",
    "SurveyData",
    "VariableSpec",
    "load_codebook",
    "read_survey",
    "shipped_codebook",
    "shipped_codebooks",
    "write_survey",
]
