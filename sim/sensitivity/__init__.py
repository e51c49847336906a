"""Global sensitivity analysis: SALib designs and indices over the model, and their figures."""
