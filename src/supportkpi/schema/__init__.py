"""From an export to canonical columns: the inputs' columns and synonyms, mapping,
coercion into typed `Frame`s with every bad value counted, event logs, and the hints
that recognise an export."""
