"""``assistant bench``: figures that show the app runs at the speed of its engines.

Each section measures one target side by side with its baseline in the same run (the two
sides alternate, several repetitions, medians), because the machines are shared and noisy.
"""
