"""`make bench`: the app's overhead against the raw Temporal SDK, measured on this machine.

Every number is reported next to a baseline measured in the same run (the raw SDK, a
bare Flask handler), so the machine's noise cancels out in the ratios.
"""
