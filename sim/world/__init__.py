"""The world at day 0: councils, providers, the initial supply and the initial children.

``build.build_world`` builds it in order; ``supply`` holds the initial supply's apportioning
rules, ``children`` the synthetic stock of children in care, ``observed`` a start from councils'
own returns. Nothing in this package runs after day 0.
"""
