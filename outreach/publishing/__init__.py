"""What the plans give to people: the families' look-up and pages, staff rounds,
calendar feeds and the exports."""
