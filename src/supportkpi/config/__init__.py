"""Configuration: targets.yaml read safely and checked (`settings`), the presets for
known helpdesk exports, and the starter config `supportkpi init` writes."""
