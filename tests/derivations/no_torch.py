"""Source text that makes ``import torch`` fail as if torch were not installed, for subprocesses
and generated conftests. (Putting ``None`` in ``sys.modules['torch']`` is not the same: SciPy's
array-API helpers then call ``sys.modules['torch'].Tensor`` and crash.)"""

NO_TORCH = """\
import importlib.abc, sys
class _NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] == 'torch':
            raise ModuleNotFoundError("No module named 'torch'", name='torch')
sys.meta_path.insert(0, _NoTorch())
"""
