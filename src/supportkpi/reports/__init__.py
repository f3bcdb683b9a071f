"""What the commands produce: `compute` (with the loading every command shares), the
`Report`, targets judged, changes against an earlier period, the summary, explain and
validate."""
