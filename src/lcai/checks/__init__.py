"""Checks: the validation suite, published footprints against lcai.

May import: whatif, api and everything below them.
"""
