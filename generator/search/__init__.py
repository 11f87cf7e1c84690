"""The search indexes: Pagefind's (``pagefind``) and the site's own for ``file://`` (``offline``)."""
