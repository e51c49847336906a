"""Children in care as a population: a struct of arrays, with their entry and admission.

Children are not Mesa agents: 80,000 children with daily events are rows of numpy columns that
compiled kernels update in batches (``sim.population.table``); ``admission`` admits new entrants.
"""
