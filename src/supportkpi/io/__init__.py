"""Reading and writing: files and formats (CSV, Parquet, Excel, JSON), time parsing and
calendar periods, progress on stderr, outputs written atomically."""
