"""The local web calculator and the REST API (``lcai serve``, extra ``lcai[web]``).

FastAPI and uvicorn are imported only when the app is built, so ``import lcai`` stays
light. ``app``: the application factory; ``api``: the ``/v1`` REST routes; ``pages``:
the server-rendered calculator, its packaged script and styles; ``state``: the page
state in a share link.

May import: outputs, checks, whatif, api, engine, catalog and below (and FastAPI, lazily).
"""
