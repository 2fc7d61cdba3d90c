"""The regime line's criteria on regime series, each case on either side of its limit."""
import json

import pytest

from mmseg_clan.analysis.clan_regime import read_regime_series, regime_checks, regime_line

PREHEAT = 10


def _series(cos=0.05, m=0.02, bce=0.2):
    steps = [5, 10, 15, 20]
    return {'cos_w1_w2': [(s, cos) for s in steps],
            'M_mean': [(5, 0.3)] + [(s, m) for s in steps[1:]],  # preheat M is not judged
            'disc_bce_source': [(s, bce) for s in steps]}


def _holds(series):
    return {c.name: c.holds for c in regime_checks(series, PREHEAT)}


def test_a_run_inside_every_limit_is_in_the_regime():
    checks = regime_checks(_series(), PREHEAT)
    assert all(c.holds for c in checks) and len(checks) == 3
    assert regime_line(checks).startswith("in CLAN's regime")


@pytest.mark.parametrize('kwargs, failing', [
    (dict(cos=0.2), 'classifiers apart'), (dict(cos=-0.11), 'classifiers apart'),
    (dict(m=0.002), 'M not collapsed'), (dict(m=0.08), 'M not collapsed'),
    (dict(bce=0.01), 'D in play'), (dict(bce=0.7), 'D in play')])
def test_each_limit_fails_the_regime_line(kwargs, failing):
    holds = _holds(_series(**kwargs))
    assert [name for name, ok in holds.items() if not ok] == [failing]
    assert regime_line(regime_checks(_series(**kwargs), PREHEAT)).startswith('NOT')


def test_saturated_and_lost_discriminators_are_named():
    assert 'saturated' in regime_checks(_series(bce=0.01), PREHEAT)[2].measured
    assert 'lost' in regime_checks(_series(bce=0.7), PREHEAT)[2].measured


def test_reading_scalars_without_regime_values_names_the_file(tmp_path):
    scalars = tmp_path / 'scalars.json'
    scalars.write_text(json.dumps({'loss': 1.0, 'step': 1}) + '\n')
    with pytest.raises(ValueError, match='scalars.json: no regime'):
        read_regime_series(str(scalars))
    scalars.write_text('{"regime/M_mean": 0.1, "step": 2}\n{broken\n')
    with pytest.raises(ValueError, match='scalars.json:2: not a JSON line'):
        read_regime_series(str(scalars))
    with pytest.raises(ValueError, match='after the preheat'):
        regime_checks({'M_mean': [(5, 0.1)]}, PREHEAT)
