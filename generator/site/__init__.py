"""The site: which pages there are (``pages``), what each shows, and how they are rendered
through the theme (``render``)."""
