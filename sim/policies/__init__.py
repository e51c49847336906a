"""Reform levers: one module per lever, a registry of name -> class (see issue 3)."""
