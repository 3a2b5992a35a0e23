"""Teammates, teams, workspace roles and API tokens."""
