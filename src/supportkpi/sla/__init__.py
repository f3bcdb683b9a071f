"""SLA: policies and ticket states (`policy`), calendar and business-hours clocks
(`clock`), and `sla-check` (`check`)."""
