"""The archive model: the records that flow between steps (``documents``), the archive as a
whole (``archive``), issuers, dates, names and the Markdown dialect."""
