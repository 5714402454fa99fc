"""Outputs: one number formatter, terminal tables, reports (HTML, Markdown, LaTeX, charts).

May import: checks, whatif, api and everything below them.
"""
