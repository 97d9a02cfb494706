"""Labels from VAE latents (seed 001 §4.3): the measurement machinery (the measurement itself is
benchmarks/few_labels.py)."""

import pytest
import torch

from torch_impl.few_labels import FEATURES, few_label_accuracies


def test_small_run_has_every_cell_and_pixels_beat_chance() -> None:
    torch.set_num_threads(1)
    r = few_label_accuracies(fractions=(0.1,), seeds=2, epochs=1, hidden=32)
    for k in FEATURES:
        assert len(r.accuracy[k][0.1]) == 2
        assert all(0.0 <= a <= 1.0 for a in r.accuracy[k][0.1])
    assert r.summary("pixels", 0.1)[0] > 0.5  # ten classes: chance is 0.1
    assert set(r.winners()) == {0.1}
    assert "10% labels" in r.table()


@pytest.mark.parametrize(("kwargs", "name"), [({"seeds": 1}, "seeds"), ({"fractions": (0.0,)}, "fractions"),
                                              ({"fractions": ()}, "fractions")])
def test_bad_arguments_rejected(kwargs: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        few_label_accuracies(**kwargs)
