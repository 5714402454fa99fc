"""The calculator's pages (being built): the router the app includes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
