"""The monthly arenas, each a pure function of arrays with a leading run axis.

Order within a month (see :func:`sim.kernel.step`): security, the Emirate's
policy, recognition, trade, alignment.
"""
