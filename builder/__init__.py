"""athar: a static research-site generator for annotated Arabic news.

The public surface is small on purpose: the build pipeline runs
``load -> corpus -> indexes -> render -> write`` and each stage is one
module with one entry function.  See :mod:`builder.build`.
"""

__version__ = "0.1.0"
