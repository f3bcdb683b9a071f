"""What each KPI is: the catalogue (one entry per KPI), the statistics (one class per
kind), the per-row measures they aggregate, and their descriptions."""
