import numpy as np
import pytest
import torch

from lab.synchrony import DIMENSIONS, Persona, PersonaError, Scaler, cosine


def test_scaler_fits_mean_and_population_std_and_keeps_constant_dimensions_at_scale_one():
    x = np.random.default_rng(0).normal(size=(50, 8))
    x[:, 4:7] = 0.0
    scaler = Scaler.fit(x)
    assert np.allclose(scaler.mean, x.mean(0))
    assert np.allclose(scaler.scale[[0, 1, 2, 3, 7]], x.std(0)[[0, 1, 2, 3, 7]])
    assert np.all(scaler.scale[4:7] == 1.0)
    z = scaler.transform(x)
    assert np.allclose(z[:, [0, 1, 2, 3, 7]].std(0), 1.0) and np.allclose(z.mean(0), 0.0)
    assert np.allclose(scaler.inverse(z), x)


def test_scaler_refuses_bad_shapes_and_scales():
    with pytest.raises(ValueError, match="8 values"):
        Scaler.fit(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="empath_social"):
        Scaler(mean=np.zeros(8), scale=[1, 1, 1, 1, 0, 1, 1, 1])


@pytest.mark.parametrize("vector", [np.zeros(8), np.full(8, 1e-15)])
def test_a_numerically_zero_persona_is_refused_with_the_reason(vector):
    with pytest.raises(PersonaError, match="numerically the zero vector.*coherence"):
        Persona(vector)


def test_a_degenerate_persona_is_accepted_only_when_asked_and_a_real_one_always():
    assert Persona(np.full(8, 1e-15), allow_degenerate=True).z.shape == (8,)
    scaler = Scaler(mean=np.zeros(8), scale=np.full(8, 2.0))
    assert np.allclose(Persona.from_raw(np.arange(8.0), scaler).z, np.arange(8.0) / 2)
    with pytest.raises(PersonaError, match="one 8-vector"):
        Persona(np.ones((2, 8)))
    with pytest.raises(PersonaError, match="NaN"):
        Persona(np.array([np.nan] + [1.0] * 7))


def test_the_centroid_of_the_scalers_own_data_is_the_degenerate_persona():
    x = np.random.default_rng(1).normal(size=(40, 8))
    with pytest.raises(PersonaError):
        Persona.centroid(Scaler.fit(x).transform(x))


def test_cosine_keeps_tiny_directions_and_gives_zero_for_an_exact_zero_vector():
    a = torch.tensor([[1.0, 0, 0, 0, 0, 0, 0, 0]], dtype=torch.float64)
    tiny = 1e-15 * torch.tensor([[1.0, 1, 0, 0, 0, 0, 0, 0]], dtype=torch.float64)
    assert cosine(a, tiny).item() == pytest.approx(2 ** -0.5)
    assert cosine(a, torch.zeros_like(a)).item() == 0.0
    assert len(DIMENSIONS) == 8 and DIMENSIONS[0] == "informality" and DIMENSIONS[-1] == "function_word_ratio"
