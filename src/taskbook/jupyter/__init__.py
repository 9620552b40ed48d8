"""The IPython extension: magics, output routing and the live view wiring."""
