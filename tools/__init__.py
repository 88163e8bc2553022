"""The book's maintenance and publishing scripts, run from the root as ``python -m tools.NAME``.

The instructor tools are in teaching/, the Korean edition's in translation/, the layout they
all share (the root folder, the chapters) in checkout.py.
"""
