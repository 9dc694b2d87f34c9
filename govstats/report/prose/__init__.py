"""The zh/en words of each report section: notes, captions, findings and methods sentences.

Every function takes the numbers it states (never recomputes them) and a language.
"""
