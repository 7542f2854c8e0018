"""Typed stack settings and the composition of components into a stack."""
