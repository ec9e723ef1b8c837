"""Issue 17 (W16 finding 5): the vanishing remedy offers Xavier initialisation only for squashing functions whose
slope reaches 1 (tanh, hardtanh, softsign), where it keeps the signal in that regime; not for sigmoid (slope at most
0.25, the registry's deriv_max), where the gradient shrinks at every layer at Xavier's scale. W16: an 8-layer sigmoid
net stayed stuck with xavier_uniform, with xavier_normal, and at lr 1. W71: the words said no initialisation helps,
where orthogonal weights of gain 4 do. References: the registry's deriv_max, and the engine run with Xavier itself."""

from __future__ import annotations

from actlab.activations.registry import get
from actlab.readings import LayerSummary, RunSummary, Status, diagnose
from actlab.session import RunConfig, build_trainer


def vanishing(acts):
    s = RunSummary(tuple(LayerSummary(a, 8, 1e-9) for a in acts), 0.5, loss=0.69, chance_loss=0.69, steps=5000)
    r = diagnose(s)
    assert r.status is Status.VANISHING, r.words
    return r.remedy


def test_xavier_is_offered_for_tanh_and_not_for_sigmoid():
    assert get("tanh").deriv_max == 1 and get("sigmoid").deriv_max == 0.25
    assert "Xavier initialisation" in vanishing(["tanh"] * 6)
    remedy = vanishing(["sigmoid"] * 6)
    assert "Xavier" not in remedy and "(sigmoid: its slope is at most 0.25, so under the usual initialisations" \
        in remedy and "orthogonal ones with gain 4 and biases that centre" in remedy
    mixed = vanishing(["sigmoid", "tanh"] * 3)
    assert "Xavier" not in mixed and "(sigmoid: its slope is at most 0.25" in mixed


def test_the_premise_xavier_does_not_rescue_a_deep_sigmoid_net_in_the_engine():
    # the run W16 tried: 8 sigmoid layers of 8 units under xavier_uniform; it reads vanishing and does not learn,
    # and its remedy no longer sends the learner to the initialisation it already uses
    cfg = RunConfig.from_cli(dataset="circle", layers="8,8,8,8,8,8,8,8", activation="sigmoid", init="xavier_uniform",
                             lr=0.03, features="x1,x2")
    f = list(build_trainer(cfg).frames(150))[-1]
    assert f.train_loss > 0.9 * f.chance_loss  # not 10% below chance after 150 epochs
    assert f.diagnosis.status is Status.VANISHING
    assert "Xavier" not in f.diagnosis.remedy
