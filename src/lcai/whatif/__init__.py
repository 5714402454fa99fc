"""What-if: Monte Carlo, sensitivity, scenarios, demand projections, grid capacity.

May import: api and everything below it.
"""
