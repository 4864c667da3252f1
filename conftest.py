"""Test set-up shared by the unit tests and the notebooks.

Notebooks run under nbval in the fast ``smoke`` profile unless ``D2L_TEST_PROFILE`` names
another (the GPU workflow sets ``full``). nbval starts each kernel from this process, so the
kernel inherits the variable.
"""
import os

import matplotlib

matplotlib.use("Agg")  # unit tests draw figures without a display
os.environ["D2L_PROFILE"] = os.environ.get("D2L_TEST_PROFILE", "smoke")
