"""Training recipes: modules with ``SCHEMA`` (the config keys they read) and ``main(config, resume=None)``.

A config names its recipe with ``recipe: recipes.supervised`` (the default) or the dotted path of your own
module. Copy ``supervised.py`` as a starting point.
"""
