"""Generated reports (F8): content from the indicator selectors, rendered as .xlsx or .pdf; the
request form, the archive and download pages, and the demo archive."""
