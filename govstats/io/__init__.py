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
from govstats.io.read_folder import SurveyFolder, folder_manifest, read_survey_folder
from govstats.io.read_survey import SurveyData, read_survey
from govstats.io.write_survey import write_survey

__all__ = [
    "Codebook",
    "DesignSpec",
    "ScaleSpec",
    "SurveyData",
    "SurveyFolder",
    "VariableSpec",
    "folder_manifest",
    "load_codebook",
    "read_survey",
    "read_survey_folder",
    "shipped_codebook",
    "shipped_codebooks",
    "write_survey",
]
