"""Generated reports (F8): content from the indicator selectors, rendered as .xlsx or .pdf."""
