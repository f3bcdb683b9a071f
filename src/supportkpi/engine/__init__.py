"""Computing the KPIs: the plan by fact, fine groups and roll-ups, mergeable partials,
reading in parts (`stream`), and the threads that split the work."""
