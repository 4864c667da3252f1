"""Test set-up shared by the unit tests and the notebooks.

Notebooks run under nbval in the fast ``smoke`` profile unless ``D2L_TEST_PROFILE`` names
another (the GPU workflow sets ``full``). nbval starts each kernel from this process, so the
kernel inherits the variable.

Under pytest-xdist every worker starts kernels of its own. torch runs one thread per core in each, so two
workers on two cores keep four threads busy and the notebooks ran about ten times slower (measured: 329 s
against 33 s for 7.3's solutions and 7.4). Each worker's kernels therefore get an equal share of the cores.
"""
import os

import matplotlib

matplotlib.use("Agg")  # unit tests draw figures without a display
os.environ["D2L_PROFILE"] = os.environ.get("D2L_TEST_PROFILE", "smoke")
workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if workers > 1:
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // workers)))
