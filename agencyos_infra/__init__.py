"""Offline tooling for the AgencyOS platform: mock engine, policy analyzer driver, preview command."""
