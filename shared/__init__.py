"""Doorstep's pure core: data model, validation, sync rules, matching and coverage formulas."""
