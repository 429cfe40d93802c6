"""The kernel floor: Numba kernels, pure functions of arrays and scalars.

``ops/`` holds one module per op kind; the modules beside it hold the
shared pieces (products, activations, losses, metrics, optimizer rules,
noise, normalisation, penalties, buffers and views).
"""
