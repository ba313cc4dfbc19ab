"""Scenario data: the communes, the demo and imported scenarios, generated scenarios,
the data forms' use cases, geocoding, backups."""
