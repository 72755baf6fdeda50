"""The views: each endpoint a few lines — parse the request, one call into the Python API, answer.

Every view reads the server's shared state from ``request.app.state`` (:func:`..state.shared`)
and can be imported and called alone (``await view(request)``). The routes that bind them to
paths are in :mod:`indicatorml.web.routes`, the one place to read the whole surface.

``meta`` (home, health, static files, the CSRF token, the API's page), ``review_pages`` (the
审核 pages: upload, list, one review, a decision from a form), ``reviews_api`` (``/api/reviews``),
``decisions`` (a decision from the API, the decisions' export), ``downloads`` (a stored
review's files), ``check`` (stateless ``/api/check``), ``classify``, ``precedents``
(``/api/precedents``, ``/api/search``), ``code`` (``/api/code``), ``write`` (填报), ``search``
(检索), ``models`` (本单位模型 and its training jobs).
"""
